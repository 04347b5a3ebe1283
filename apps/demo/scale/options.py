"""What `seed_scale` is asked for, and what it reports."""

from dataclasses import dataclass, field


@dataclass
class ScaleOptions:
    users: int = 10_000
    posts: int = 1_000_000
    communities: int = 500
    follows: int = 100  # per user, on average (from a quarter to 1.75 times that)
    memberships: int = 10  # per user, on average
    comments: float = 1.5  # per post, on average
    reactions: float = 3.0  # per post, on average
    seed: int = 1
    days: int = 365
    domain: str = "example.com"


@dataclass
class ScaleResult:
    users: tuple[int, int]  # first and last user id of this run
    communities: tuple[int, int]
    posts: tuple[int, int]
    admin_id: int  # the site administrator who makes company-wide announcements
    integrity: str  # how foreign keys were enforced
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
