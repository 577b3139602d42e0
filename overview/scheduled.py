"""One run at a time of the scheduled work (management command `run_scheduled`).

Two runs may start together: cron on two machines, or a slow run that the next one
overtakes. The second finds the lock held and stops at once. On PostgreSQL the lock is an
advisory lock of the database (it holds across machines, and is let go when the run's
connection ends, even if the process is killed); elsewhere (SQLite, one machine) a lock on
a file.
"""

import contextlib
import fcntl
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

NAME = "knoppen.run_scheduled"


@contextlib.contextmanager
def exclusive(name: str = NAME) -> Iterator[bool]:
    """Yields True if this run holds the lock (until the block ends), False if another does."""
    if connection.vendor == "postgresql":
        key = zlib.crc32(name.encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            held = cursor.fetchone()[0]
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    path = Path(tempfile.gettempdir()) / f"{name}.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
