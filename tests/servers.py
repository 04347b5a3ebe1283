"""Real servers for the tests that need a network address."""

import contextlib

import pytest


@contextlib.contextmanager
def uvicorn_thread(application, name: str):
    """`application` served by uvicorn in a thread of the test process, on a free loopback
    port: yields (host, port, the uvicorn.Server). uvicorn runs its own event loop in its
    own thread: it never meets the loop that Playwright's sync API keeps in the test thread."""
    import socket
    import threading
    import time

    import uvicorn
    from django.conf import settings
    from django.http.request import validate_host

    host = "127.0.0.1"
    # Both Django's Host check and the socket's Origin check (AllowedHostsOriginValidator,
    # which read ALLOWED_HOSTS when the application was built) must accept this address.
    if not validate_host(host, settings.ALLOWED_HOSTS):
        pytest.fail(f"ALLOWED_HOSTS ({settings.ALLOWED_HOSTS}) does not accept {host}", pytrace=False)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        application,
        lifespan="off",  # as in production (config/run.py, Dockerfile): Channels has no lifespan
        loop="asyncio",
        log_config=None,  # leave the process's logging (pytest's capture) alone
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
        ws="config.websocket_protocol:LeanWebSocketProtocol",  # as config/run.py's UVICORN_OPTIONS
        ws_per_message_deflate=False,
        ws_max_size=65536,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            listener.close()
            pytest.fail(f"{name} did not start", pytrace=False)
        time.sleep(0.02)
    try:
        yield host, port, server
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        listener.close()
        if thread.is_alive():
            pytest.fail(f"{name} did not stop", pytrace=False)
