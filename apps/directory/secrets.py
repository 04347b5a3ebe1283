"""Bind passwords at rest: encrypted with a key derived from SECRET_KEY (Fernet: AES and HMAC)."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class PasswordUnreadable(Exception):
    """Stored under another SECRET_KEY: the password must be entered again."""


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"apps.directory bind password:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(password: str) -> str:
    return _fernet().encrypt(password.encode()).decode() if password else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise PasswordUnreadable from error
