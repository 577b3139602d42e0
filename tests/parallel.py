"""Test processes run side by side (pytest-xdist: `make test`), sharing one Redis server.

Each process has its own test database (pytest-django names it after the process), and
here its own prefix for channel-layer groups and cache keys, set before Django reads its
settings (`-p tests.parallel` in pyproject.toml): two processes' meeting 1 are two
meetings, and one process's login limits are not the other's. The real workers a test
starts inherit the prefix, or are given one of their own.
"""

import os
from collections.abc import MutableMapping


def own_prefix(environ: MutableMapping[str, str]) -> None:
    """Give this test process a Redis prefix of its own, if it is one of several."""
    worker = environ.get("PYTEST_XDIST_WORKER")
    if worker and not environ.get("CHANNEL_PREFIX", "").endswith(f"-{worker}"):
        environ["CHANNEL_PREFIX"] = f"{environ.get('CHANNEL_PREFIX', 'knoppen')}-{worker}"


own_prefix(os.environ)
