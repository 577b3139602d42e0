"""Under ASGI, Django runs our whole middleware chain in one thread per request."""

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler


def test_the_middleware_chain_runs_in_one_thread_per_request():
    chain = ASGIHandler()._middleware_chain
    # One crossing into a thread for the whole chain, not one per middleware and direction.
    assert isinstance(chain, SyncToAsync), f"the chain is async: {chain!r}"
    assert settings.MIDDLEWARE[-1] == "config.middleware.OneThreadPerRequest"
