"""A psycopg connection that stops waiting for a server that does not answer.

psycopg has no read timeout: a query on an open connection to a hung server (stopped,
frozen, cut off by a network that drops packets without a reset) waits forever, since the
kernel keeps accepting the bytes sent and TCP keepalives see nothing wrong. statement_timeout
cannot help, as the server enforces it. Every network wait of a psycopg connection (execute,
fetch, commit, rollback, the pool's check) goes through Connection.wait(): this subclass gives
each wait `read_timeout` seconds. Past it the connection is closed, as psycopg itself does when
a cancellation goes unanswered, and the caller gets an OperationalError at once (Django turns
it into django.db.OperationalError, and the pool discards the closed connection).

Closing aborts the transaction rather than leaving it to finish later: once the server
resumes, it reads what was sent before the close, then the end of the connection, and rolls
back whatever was not committed. A COMMIT (or a single autocommitted statement) that was
sent, even after the server stopped answering, is read before the end of the connection and
does take effect, unknown to the client: so a 503 after a form says that what was sent may
have been saved (apps/core/unavailable.py).

The pool's check of a connection before it hands it out (an empty query) gets CHECK_TIMEOUT,
shorter: a request that waited for a free connection then answers within both bounds together.

read_timeout must be longer than the server's statement_timeout, so that on a slow but
healthy server the server cancels a long statement first (a clean error, the connection kept).
"""

import psycopg
from psycopg import errors

# The pool's check of a connection, an empty query: a healthy server answers it in microseconds.
CHECK_TIMEOUT = 1.0


class BoundedConnection(psycopg.Connection):
    """A connection whose every wait for the server lasts at most `read_timeout` seconds."""

    read_timeout: float = 3.5
    _listening = False
    _bound: float | None = None

    # Relies on psycopg's internals: every wait goes through Connection.wait(gen, interval,
    # timeout), which raises the private errors._WaitTimeout past its timeout; psycopg_pool
    # checks a connection with execute(""). Checked against psycopg 3.3.9 and psycopg-pool
    # 3.3.3; tests/core/test_private_apis.py says when an upgrade changes them.
    def wait(self, gen, interval=0.1, timeout=None):  # 0.1: psycopg's own interval
        if timeout is not None or self._listening:
            # A deadline of the caller's own, or notifications, which come when others send them.
            return super().wait(gen, interval, timeout)
        bound = self._bound or self.read_timeout
        try:
            return super().wait(gen, interval, bound)
        except errors._WaitTimeout:
            # A query is out and no answer came: the connection's state is unknown. Closing it
            # makes it unusable here and, on the server, ends the session (see the module's doc).
            self.pgconn.finish()
            raise errors.OperationalError(
                f"the database server did not answer within {bound:g} s: connection closed"
            ) from None

    def execute(self, query, params=None, **kwargs):
        if query == "" and params is None:
            # psycopg_pool's check (CONN_HEALTH_CHECKS) before it hands the connection out: an
            # empty query, answered at once by a healthy server. A request may have waited
            # DATABASE_POOL_TIMEOUT for this connection: a short bound keeps it within its time.
            self._bound = min(self.read_timeout, CHECK_TIMEOUT)
            try:
                return super().execute(query, params, **kwargs)
            finally:
                self._bound = None
        return super().execute(query, params, **kwargs)

    def notifies(self, **kwargs):
        self._listening = True
        try:
            yield from super().notifies(**kwargs)
        finally:
            self._listening = False


def bounded_connection_class(read_timeout: float) -> type[BoundedConnection]:
    """A BoundedConnection class with this read timeout, for psycopg_pool's connection_class."""
    return _classes.setdefault(
        read_timeout, type("BoundedConnection", (BoundedConnection,), {"read_timeout": read_timeout})
    )


_classes: dict[float, type[BoundedConnection]] = {}
