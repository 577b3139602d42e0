"""The suite's processes (pytest-xdist) keep apart in the one Redis server they share."""

import os

from django.conf import settings

from tests.parallel import own_prefix


def test_each_test_process_of_several_gets_a_redis_prefix_of_its_own():
    environ = {"PYTEST_XDIST_WORKER": "gw1", "CHANNEL_PREFIX": "knoppen-ci"}
    own_prefix(environ)
    assert environ["CHANNEL_PREFIX"] == "knoppen-ci-gw1"
    own_prefix(environ)
    assert environ["CHANNEL_PREFIX"] == "knoppen-ci-gw1", "given once, not once per import"

    environ = {"PYTEST_XDIST_WORKER": "gw0"}
    own_prefix(environ)
    assert environ["CHANNEL_PREFIX"] == "knoppen-gw0", "the settings' default, then the process"

    environ = {"CHANNEL_PREFIX": "knoppen-ci"}
    own_prefix(environ)
    assert environ == {"CHANNEL_PREFIX": "knoppen-ci"}, "one process: the prefix as given"


def test_this_process_s_channel_layer_and_cache_use_its_prefix():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    prefix = os.environ.get("CHANNEL_PREFIX", "knoppen")
    assert worker is None or prefix.endswith(f"-{worker}")
    if settings.REDIS_URL:  # in CI: the suite runs in several processes on one Redis
        assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] == prefix
        assert settings.CACHES["default"]["KEY_PREFIX"] == prefix
