"""Middleware of our own."""


class OneThreadPerRequest:
    """The innermost middleware: sync only, so Django runs the whole chain in one thread.

    Under ASGI Django runs every middleware that can be async in async mode, and Django's
    own (MiddlewareMixin) then hop to a thread and back for each process_request and
    process_response: some fourteen hops per request here. A sync-only middleware at the
    bottom of the list turns every middleware above it to sync mode, so a request crosses
    to its thread once on the way in (and the view once more). In the live benchmark a
    quarter of a worker's time went to Django's ASGI handling and these hops; with this,
    ballots at 50 a second reach everyone about a fifth sooner (docs/performance.md).
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
