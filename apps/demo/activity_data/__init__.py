"""Three weeks of the demo company's activity, as plain data (no Django imports).

People are named by the part of their e-mail address before the @ (see
`apps.demo.organisation_data.demo_email`), which is also how they are @mentioned. Communities
are named as in `apps.demo.organisation_data.COMMUNITIES`; None is the company-wide stream.

Each post: `key` (for shares), `author`, `community`, `kind`, `when` (working days ago,
"HH:MM" in Paris), `body`, and optionally `comments` [(author, body, [(author, reply)])],
`best` (index of the best answer among the top-level comments), `poll`, `badge` and
`recipients` (praise), `pinned`, `share` (key of an earlier post), `image` (drawn locally),
`reactions` (how many), `mood` (the most common reaction), `bookmarks` (who saved it).
A mention in a private community's post names only its members.

The posts are kept by topic, one module each; POSTS plays them all in time order (each `when` is
distinct, and a share comes after the post it shares)."""

from apps.demo.activity_data import colleagues, customers, engineering, leadership, praise_and_clubs

TIME_ZONE = "Europe/Paris"

# Who follows which hashtags: each person follows one of their department's list.
HASHTAG_FOLLOWS = {
    "Executive": ["allhands", "kudos", "wins"],
    "Engineering": ["release", "python", "security", "architecture", "kubernetes"],
    "Sales": ["wins", "customers", "kudos"],
    "Marketing": ["brand", "events", "release"],
    "Finance": ["compliance", "kudos", "allhands"],
    "People": ["welcome", "hiring", "lunchandlearn"],
    "Customer Success": ["release", "supporttips", "customers"],
    "Legal": ["compliance", "security"],
    "IT": ["itmaintenance", "security"],
}


def _chronological(post: dict) -> tuple[int, str]:
    days_ago, time_of_day = post["when"]
    return -days_ago, time_of_day


POSTS = sorted(
    [*leadership.POSTS, *colleagues.POSTS, *engineering.POSTS, *customers.POSTS, *praise_and_clubs.POSTS],
    key=_chronological,
)
