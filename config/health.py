"""`/healthz`: whether this worker can serve, for a load balancer or a monitor to poll.

It answers 200 with `{"status": "ok", ...}` when the database answers, Redis answers (when
REDIS_URL is set: the channel layer and the cache), and every migration is applied; 503
with which part failed otherwise. It holds no personal data and needs no login. It is
cheap enough to poll every few seconds: one `SELECT 1`, one Redis `PING` (each with a
one-second limit), and the migration check only until it first passes (migrations are not
undone under a running worker; a deploy that adds some restarts the workers).
"""

import redis
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

_migrated = False
_redis: redis.Redis | None = None


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _redis_ping() -> str:
    global _redis
    if not settings.REDIS_URL:
        return "not used"
    if _redis is None:
        _redis = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
    _redis.ping()
    return "ok"


def _migrations() -> str:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            return f"{len(plan)} not applied"
        _migrated = True
    return "ok"


CHECKS = {"database": _database, "redis": _redis_ping, "migrations": _migrations}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    parts = {}
    for name, check in CHECKS.items():
        try:
            parts[name] = check()
        except Exception as failed:  # noqa: BLE001 - any failure is "not healthy"
            parts[name] = f"failed: {type(failed).__name__}"
    healthy = all(value in ("ok", "not used") for value in parts.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", **parts}, status=200 if healthy else 503
    )
