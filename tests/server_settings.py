"""Settings of real workers whose tests log in with a password and read the pages:
production's settings (the cache in Redis when REDIS_URL is set, shared by the workers),
with the tests' fast password hasher (the one the tests' passwords were hashed with) and
static files named as they are (no collectstatic manifest)."""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
