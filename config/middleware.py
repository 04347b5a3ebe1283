"""One thread hop per request instead of one per middleware.

Under ASGI, Django runs every middleware that can be async as async, and a classic
middleware (process_request / process_response) then hops to a worker thread and back
for each of its methods: about twenty hops a page here. This sync-only middleware, last
in MIDDLEWARE, makes Django choose the synchronous path for every middleware above it:
the whole chain runs in one thread, entered once.
"""


class SyncMiddlewareChain:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
