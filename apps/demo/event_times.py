"""The demo's facts happen when its content did, not when the seed ran.

The feed services stamp the present on what they write, and record a fact (apps/facts) with
it; the seed then moves posts and comments back weeks. The notifications made from those
facts show when the event happened, which is the fact's time: so the facts move back with
their posts and comments, and the reactions (written just after their post or comment by
the seed) get a moment of their own between it and now, as do their facts."""

import datetime
import random

from django.db.models import Case, DateTimeField, Value, When

from apps.facts.models import Fact
from apps.feeds.models import Reaction

# Reactions come within this long after what they react to (never after `now`).
REACTION_DELAY_MINUTES = (3, 8 * 60)


def _update_times(queryset, moments: dict[int, datetime.datetime], field: str = "created_at") -> None:
    if moments:
        when = Case(*[When(pk=pk, then=Value(at)) for pk, at in moments.items()], output_field=DateTimeField())
        queryset.filter(pk__in=list(moments)).update(**{field: when})


def backdate_events(
    post_moments: dict[int, datetime.datetime],
    comment_moments: dict[int, datetime.datetime],
    now: datetime.datetime,
    seed: int,
) -> None:
    """Move the facts of the seeded posts, comments and reactions, and the reactions, to
    when they happened. A random generator of its own: the seed's other choices stay."""
    rng = random.Random(seed)
    latest = now - datetime.timedelta(minutes=1)
    fact_moments: dict[int, datetime.datetime] = {}
    facts = Fact.objects.filter(processed_at__isnull=True)
    created = facts.filter(event__in=("post.created", "comment.created"))
    for pk, event, data in created.values_list("pk", "event", "data"):
        at = post_moments.get(data.get("post")) if event == "post.created" else comment_moments.get(data.get("comment"))
        if at is not None:
            fact_moments[pk] = at
    reactions = Reaction.objects.filter(post_id__in=list(post_moments)) | Reaction.objects.filter(
        comment_id__in=list(comment_moments)
    )
    reaction_moments: dict[int, datetime.datetime] = {}
    by_subject: dict[tuple[str, int, int], datetime.datetime] = {}
    rows = reactions.order_by("pk").values_list("pk", "user_id", "post_id", "comment_id")
    for pk, user_id, post_id, comment_id in rows:
        subject_at = comment_moments.get(comment_id) if comment_id else post_moments.get(post_id)
        if subject_at is None:
            continue
        at = min(latest, subject_at + datetime.timedelta(minutes=rng.randint(*REACTION_DELAY_MINUTES)))
        at = max(at, subject_at)
        reaction_moments[pk] = at
        key = ("comment", comment_id, user_id) if comment_id else ("post", post_id, user_id)
        by_subject[key] = at
    for pk, actor_id, data in facts.filter(event="reaction").values_list("pk", "actor_id", "data"):
        key = ("comment", data["comment"], actor_id) if data.get("comment") else ("post", data.get("post"), actor_id)
        if key in by_subject:
            fact_moments[pk] = by_subject[key]
    _update_times(Reaction.objects.all(), reaction_moments)
    _update_times(Fact.objects.all(), fact_moments)
