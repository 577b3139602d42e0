"""Settings come from the environment: safe defaults with DEBUG on, loud failures otherwise."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

PROJECT = Path(__file__).resolve().parent.parent

# --- the typed readers ------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "True", "yes", "YES", "on", " On "])
def test_env_bool_reads_true(value):
    assert env_bool("FLAG", False, environ={"FLAG": value}) is True


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "no", "No", "off", "OFF", ""])
def test_env_bool_reads_false(value):
    assert env_bool("FLAG", True, environ={"FLAG": value}) is False


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_falls_back_to_the_default_when_unset(default):
    assert env_bool("FLAG", default, environ={}) is default


@pytest.mark.parametrize("value", ["maybe", "2", "yes please", "y"])
def test_env_bool_refuses_anything_else(value):
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG", False, environ={"FLAG": value})


def test_env_int_reads_a_number():
    assert env_int("COUNT", 3, environ={"COUNT": "42"}) == 42


@pytest.mark.parametrize("environ", [{}, {"COUNT": ""}, {"COUNT": "   "}])
def test_env_int_falls_back_to_the_default_when_unset_or_empty(environ):
    assert env_int("COUNT", 3, environ=environ) == 3


@pytest.mark.parametrize("value", ["ten", "1.5", "1e3"])
def test_env_int_refuses_anything_else(value):
    with pytest.raises(ImproperlyConfigured, match="COUNT"):
        env_int("COUNT", 3, environ={"COUNT": value})


def test_env_int_refuses_a_number_out_of_its_range():
    with pytest.raises(ImproperlyConfigured, match="COUNT must be at least 0"):
        env_int("COUNT", 0, environ={"COUNT": "-1"}, minimum=0)
    with pytest.raises(ImproperlyConfigured, match="COUNT must be at most 10"):
        env_int("COUNT", 0, environ={"COUNT": "11"}, minimum=0, maximum=10)
    assert env_int("COUNT", 0, environ={"COUNT": "10"}, minimum=0, maximum=10) == 10


def test_env_list_splits_on_commas_and_strips():
    environ = {"HOSTS": " knoppen.example.nl ,www.knoppen.example.nl,, "}

    assert env_list("HOSTS", [], environ=environ) == [
        "knoppen.example.nl",
        "www.knoppen.example.nl",
    ]


def test_env_list_falls_back_to_the_default_when_unset():
    assert env_list("HOSTS", ["localhost"], environ={}) == ["localhost"]


def test_env_list_of_an_empty_value_is_empty():
    assert env_list("HOSTS", ["localhost"], environ={"HOSTS": ""}) == []


def test_env_str_reads_a_value_and_falls_back_to_the_default():
    assert env_str("NAME", "fallback", environ={"NAME": "value"}) == "value"
    assert env_str("NAME", "fallback", environ={}) == "fallback"


def test_env_str_without_a_default_requires_the_variable():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        env_str("SECRET_KEY", environ={})


# --- the settings module, loaded in a clean process ---------------------------------

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(45)[:60],
    "ALLOWED_HOSTS": "knoppen.example.nl",
    "SITE_URL": "https://knoppen.example.nl",
}

READ_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": settings.DATABASES["default"]["ENGINE"],
    "DB_NAME": str(settings.DATABASES["default"]["NAME"]),
    "LAYER": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "LAYER_CONFIG": settings.CHANNEL_LAYERS["default"].get("CONFIG", {}),
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "DB_OPTIONS": settings.DATABASES["default"].get("OPTIONS", {}),
    "CONN_MAX_AGE": settings.DATABASES["default"]["CONN_MAX_AGE"],
    "TRUSTED_PROXIES": settings.TRUSTED_PROXIES,
}))
"""


def run_python(args: list[str], **environ: str) -> subprocess.CompletedProcess:
    """Run the venv's python in the project with only PATH and the given variables."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.update(environ)
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def load_settings(**environ: str) -> dict:
    result = run_python(["-c", READ_SETTINGS], **environ)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def settings_error(**environ: str) -> str:
    result = run_python(["-c", READ_SETTINGS], **environ)
    assert result.returncode != 0, "the settings loaded, but should have refused"
    return result.stderr


def without(name: str) -> dict:
    return {key: value for key, value in PRODUCTION.items() if key != name}


def test_production_settings_load():
    loaded = load_settings(**PRODUCTION)

    assert loaded["DEBUG"] is False
    assert loaded["ALLOWED_HOSTS"] == ["knoppen.example.nl"]


def test_no_proxy_is_trusted_unless_configured():
    assert load_settings(**PRODUCTION)["TRUSTED_PROXIES"] == 0
    assert load_settings(**PRODUCTION, TRUSTED_PROXIES="1")["TRUSTED_PROXIES"] == 1


@pytest.mark.parametrize("value", ["-1", "one", "1.0", "99"])
def test_a_bad_number_of_trusted_proxies_fails_at_start_up(value):
    stderr = settings_error(**PRODUCTION, TRUSTED_PROXIES=value)

    assert "ImproperlyConfigured" in stderr
    assert "TRUSTED_PROXIES" in stderr


def test_debug_off_without_secret_key_fails():
    stderr = settings_error(**without("SECRET_KEY"))

    assert "ImproperlyConfigured" in stderr
    assert "SECRET_KEY" in stderr


def test_debug_off_without_allowed_hosts_fails():
    stderr = settings_error(**without("ALLOWED_HOSTS"))

    assert "ImproperlyConfigured" in stderr
    assert "ALLOWED_HOSTS" in stderr


def test_debug_off_without_site_url_fails():
    """Invitation emails need an absolute link."""
    stderr = settings_error(**without("SITE_URL"))

    assert "ImproperlyConfigured" in stderr
    assert "SITE_URL" in stderr


def test_debug_unset_means_debug_off():
    """With nothing set, the settings demand production configuration."""
    stderr = settings_error()

    assert "ImproperlyConfigured" in stderr


def test_debug_on_works_with_defaults_on_sqlite_and_memory():
    loaded = load_settings(DEBUG="1")

    assert loaded["DEBUG"] is True
    assert loaded["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded["DB_NAME"] == str(PROJECT / "db.sqlite3")
    assert loaded["LAYER"] == "channels.layers.InMemoryChannelLayer"
    assert loaded["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"


def test_redis_url_selects_the_redis_channel_layer_and_cache():
    loaded = load_settings(DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/0")

    assert loaded["LAYER"] == "panels.live.layers.RedisChannelLayer"
    # No read timeout: an idle blocking receive must keep waiting.
    assert loaded["LAYER_CONFIG"]["hosts"] == [
        {"address": "redis://127.0.0.1:6379/0", "socket_timeout": None}
    ]
    assert loaded["LAYER_CONFIG"]["capacity"] >= 1000
    assert loaded["CACHE"] == "django.core.cache.backends.redis.RedisCache"


def test_database_url_selects_postgresql():
    loaded = load_settings(DEBUG="1", DATABASE_URL="postgres://postgres@127.0.0.1:5432/knoppen")

    assert loaded["ENGINE"] == "django.db.backends.postgresql"
    assert loaded["DB_NAME"] == "knoppen"


@pytest.mark.parametrize("name", ["DEBUG", "SESSION_COOKIE_SECURE"])
def test_a_bad_boolean_fails_loudly(name):
    stderr = settings_error(**{**PRODUCTION, name: "maybe"})

    assert "ImproperlyConfigured" in stderr
    assert name in stderr


def test_a_bad_number_fails_loudly():
    stderr = settings_error(**PRODUCTION, INVITATION_VALID_DAYS="ten")

    assert "ImproperlyConfigured" in stderr
    assert "INVITATION_VALID_DAYS" in stderr


def test_deployment_checks_pass_with_production_settings():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert len(PRODUCTION["SECRET_KEY"]) == 60


def test_a_postgresql_pool_is_bounded_by_db_pool_max():
    loaded = load_settings(
        **PRODUCTION,
        DATABASE_URL="postgres://knoppen@db/knoppen",
        DB_POOL_MAX="20",
        DB_CONN_MAX_AGE="60",
    )
    assert loaded["DB_OPTIONS"]["pool"] == {"min_size": 2, "max_size": 20, "timeout": 10}
    assert loaded["CONN_MAX_AGE"] == 0  # pooled connections go back to the pool


def test_without_db_pool_max_there_is_no_pool():
    loaded = load_settings(**PRODUCTION, DATABASE_URL="postgres://knoppen@db/knoppen")
    assert "pool" not in loaded["DB_OPTIONS"]


def test_postgresql_ends_sessions_left_idle_inside_a_transaction():
    loaded = load_settings(**PRODUCTION, DATABASE_URL="postgres://knoppen@db/knoppen")
    assert loaded["DB_OPTIONS"]["options"] == "-c idle_in_transaction_session_timeout=30000"

    off = load_settings(
        **PRODUCTION,
        DATABASE_URL="postgres://knoppen@db/knoppen",
        DB_IDLE_IN_TRANSACTION_TIMEOUT="0",
    )
    assert "options" not in off["DB_OPTIONS"]
