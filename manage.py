#!/usr/bin/env python
import os
import sys

# Commands that read the code, not a site's data: without DATABASE_URL / REDIS_URL they run on
# the embedded servers (as make messages does) instead of refusing, so that
# `manage.py makemigrations --check` works on a fresh clone.
CODE_ONLY_COMMANDS = {"makemigrations", "makemessages"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in CODE_ONLY_COMMANDS and not os.environ.get("EMBEDDED_SERVERS"):
        os.environ["EMBEDDED_SERVERS"] = "1"
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (loads the settings)
    except ImproperlyConfigured as error:
        # Django's command runner would keep going without settings and fail later, with a
        # long traceback that hides the reason ("Models aren't loaded yet"): say it, and stop.
        sys.exit(f"manage.py: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
