"""A web process loads the directory sync's libraries only when a sync or an import runs:
one that only holds WebSockets never does (make bench measures its memory)."""

import os
import subprocess
import sys

from django.conf import settings


def test_the_asgi_application_loads_without_the_sync_libraries():
    code = (
        "import sys, config.asgi; "
        "loaded = [name for name in ('ldap3', 'msal', 'exchangelib', 'PIL') if name in sys.modules]; "
        "print(','.join(loaded))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ""
