"""The benchmark tells a 503 "too busy" answer (overload, retried) from a real error."""

from bench.live import count_log_errors

BUSY = """127.0.0.1:5 - - [27/Nov/2026:15:11:23] "POST /panels/1/votes/2/cast/" 200 115
Service Unavailable: /panels/1/votes/2/cast/
Traceback (most recent call last):
  File "django/db/backends/base/base.py", line 279, in ensure_connection
    self.connect()
psycopg_pool.PoolTimeout: couldn't get a connection after 10.00 sec

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "django/core/handlers/exception.py", line 55, in inner
django.db.utils.OperationalError: couldn't get a connection after 10.00 sec
"""

ERROR = """127.0.0.1:6 - - [27/Nov/2026:15:11:24] "WSCONNECTING /ws/meetings/1/" - -
Exception inside application: Too many connections
Traceback (most recent call last):
  File "channels_redis/core.py", line 493, in group_add
redis.exceptions.MaxConnectionsError: Too many connections
"""


def test_busy_answers_are_counted_apart_from_errors():
    assert count_log_errors(BUSY) == (1, 0)
    assert count_log_errors(ERROR) == (0, 1)
    assert count_log_errors(BUSY + ERROR + BUSY) == (2, 1)
    assert count_log_errors(ERROR + BUSY) == (1, 1)
