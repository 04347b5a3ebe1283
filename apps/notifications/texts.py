"""How a notification reads, in the language active when it is called: the same sentence in
the list, the live bell, the browser notification and the e-mail."""

import html

from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from apps.notifications.models import Kind

# The kinds said of several people at once: (one person, several), by what they are about.
GROUPED = {
    (Kind.COMMENT, "post"): (
        gettext_lazy("%(actor)s commented on your post"),
        ngettext_lazy(
            "%(actor)s and %(count)d other commented on your post",
            "%(actor)s and %(count)d others commented on your post",
            "count",
        ),
    ),
    (Kind.REPLY, "comment"): (
        gettext_lazy("%(actor)s replied to your comment"),
        ngettext_lazy(
            "%(actor)s and %(count)d other replied to your comment",
            "%(actor)s and %(count)d others replied to your comment",
            "count",
        ),
    ),
    (Kind.REACTION, "post"): (
        gettext_lazy("%(actor)s reacted to your post"),
        ngettext_lazy(
            "%(actor)s and %(count)d other reacted to your post",
            "%(actor)s and %(count)d others reacted to your post",
            "count",
        ),
    ),
    (Kind.REACTION, "comment"): (
        gettext_lazy("%(actor)s reacted to your comment"),
        ngettext_lazy(
            "%(actor)s and %(count)d other reacted to your comment",
            "%(actor)s and %(count)d others reacted to your comment",
            "count",
        ),
    ),
}
SINGLE = {
    Kind.MENTION: gettext_lazy("%(actor)s mentioned you"),
    Kind.PRAISE: gettext_lazy("%(actor)s praised you"),
    Kind.INVITATION: gettext_lazy("%(actor)s invited you to join %(community)s"),
    Kind.JOIN_REQUEST: gettext_lazy("%(actor)s asks to join %(community)s"),
    Kind.REQUEST_APPROVED: gettext_lazy("You are now a member of %(community)s"),
    Kind.MESSAGE: gettext_lazy("%(actor)s sent you a message"),
}


def sentence(notification, names: list[str]) -> str:
    """`names`: the actors' names, the latest first (at least the first one)."""
    values = {
        "actor": names[0] if names else _("Someone"),
        "count": max(len(notification.actor_ids) - 1, 0),
        "community": notification.community.name if notification.community_id else "",
    }
    about = notification.target.split(":", 1)[0]
    if (notification.kind, about) in GROUPED:
        alone, several = GROUPED[(notification.kind, about)]
        # The plural form is chosen by values["count"] (ngettext_lazy's "count").
        return str(several % values if values["count"] else alone % values)
    if notification.kind == Kind.ANNOUNCEMENT:
        if values["community"]:
            return _("%(actor)s made an announcement in %(community)s") % values
        return _("%(actor)s made an announcement to the whole company") % values
    if notification.kind in SINGLE:
        return str(SINGLE[notification.kind] % values)
    return _("Something happened")


def excerpt(notification, length: int = 140) -> str:
    """A line of what was written (the comment, else the post), plain text: the HTML's tags
    taken off and its entities read back (`&lt;` is "<" again), so that whatever shows it
    (a page, an e-mail) escapes it once."""
    source = notification.comment if notification.comment_id else notification.post
    if source is None:
        return ""
    return Truncator(" ".join(html.unescape(strip_tags(source.body_html)).split())).chars(length)


def link(notification) -> str:
    """Where the notification leads (a path on this site)."""
    if notification.kind == Kind.JOIN_REQUEST and notification.community_id:
        return reverse("communities:members", args=[notification.community.slug]) + "?state=requested"
    if notification.post_id:
        anchor = f"#comment-{notification.comment_id}" if notification.comment_id else ""
        return reverse("feeds:post", args=[notification.post_id]) + anchor
    if notification.community_id:
        return reverse("communities:detail", args=[notification.community.slug])
    return reverse("notifications:index")
