"""What the activation service (apps/profiles/activation.py) did, for the tests of the three
who use it: the profile page, the Django admin and directory runs."""

import contextlib
import functools
from unittest import mock

from django.db import transaction

from apps.profiles import activation
from apps.profiles.signals import account_activation_set


@contextlib.contextmanager
def activations_heard():
    """Each account_activation_set the service sent, as a dict of its arguments."""
    heard: list[dict] = []

    def receiver(sender, signal, **arguments):
        heard.append(arguments)

    account_activation_set.connect(receiver, weak=False, dispatch_uid="tests.activations_heard")
    try:
        yield heard
    finally:
        account_activation_set.disconnect(dispatch_uid="tests.activations_heard")


@contextlib.contextmanager
def sockets_closed():
    """The socket groups the service closed, each added when its transaction commits."""
    closed: list[str] = []

    def close_on_commit(group: str) -> None:
        transaction.on_commit(functools.partial(closed.append, group))

    with mock.patch.object(activation, "disconnect_on_commit", close_on_commit):
        yield closed
