"""What the benchmarks that start a server in another process share."""

import os
import socket
from urllib.parse import urlsplit, urlunsplit

from django.db import connection


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_database_url() -> str:
    """DATABASE_URL naming the test database this session created."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    head, _sep, _name = parts.path.rpartition("/")
    return urlunsplit(parts._replace(path=f"{head}/{connection.settings_dict['NAME']}"))
