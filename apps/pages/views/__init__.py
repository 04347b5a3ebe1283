"""The pages layer's views: the pages composed of several apps (community.py, person.py), the shell's
lazily loaded parts (shell.py: my communities, the right rail) and the welcome steps
(welcome.py)."""

from apps.pages.views.community import community_detail
from apps.pages.views.person import profile_detail

__all__ = ["community_detail", "profile_detail"]
