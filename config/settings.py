"""Settings, all from the environment (see the table in README.md), in four parts; each
part imports what it needs of the others:

- config/settings_core.py: the environment, the embedded servers, secrets and hosts, the
  applications, templates, language and logging;
- config/settings_stores.py: the database, Redis, the cache, sessions, the channel layers
  and Celery;
- config/settings_features.py: messaging, directory sync, accounts, e-mail and passwords;
- config/settings_web.py: static and uploaded files, the content security policy, health.
"""

from config.settings_core import *  # noqa: F403
from config.settings_features import *  # noqa: F403
from config.settings_stores import *  # noqa: F403
from config.settings_web import *  # noqa: F403
