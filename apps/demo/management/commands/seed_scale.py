"""`manage.py seed_scale`: add a large organisation (people, communities, a year of posts) for
benchmarks and load tests, generated inside PostgreSQL. See apps/demo/scale/."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.demo.scale import ScaleOptions, analyze, seed_scale

# Above this many people the database looks like a real installation: refuse unless --force.
MAX_EXISTING_USERS = 100


class Command(BaseCommand):
    help = (
        "ADD a generated organisation (users, profiles, communities, memberships, follows, posts, comments, "
        "reactions, polls, praise, hashtags, bookmarks) to the database, in one transaction. It never changes "
        "or deletes existing rows; running it twice adds two organisations. For benchmark and demo databases."
    )

    def add_arguments(self, parser):
        default = ScaleOptions()
        parser.add_argument("--users", type=int, default=default.users)
        parser.add_argument("--posts", type=int, default=default.posts)
        parser.add_argument("--communities", type=int, default=default.communities)
        parser.add_argument("--follows", type=int, default=default.follows, help="people followed, per user (mean)")
        parser.add_argument("--memberships", type=int, default=default.memberships, help="communities per user (mean)")
        parser.add_argument("--comments", type=float, default=default.comments, help="comments per post (mean)")
        parser.add_argument("--reactions", type=float, default=default.reactions, help="reactions per post (mean)")
        parser.add_argument("--days", type=int, default=default.days, help="the posts span this many days to now")
        parser.add_argument("--seed", type=int, default=default.seed, help="same seed, same organisation")
        parser.add_argument("--domain", default=default.domain, help="e-mail domain of the generated people")
        parser.add_argument(
            "--force",
            action="store_true",
            help=f"add to a database that already has more than {MAX_EXISTING_USERS} users",
        )

    def handle(self, *args, **options):
        sizes = ("users", "posts", "communities", "follows", "memberships", "days")
        if any(options[name] < 0 for name in sizes) or options["users"] < 2 or options["communities"] < 1:
            raise CommandError("Sizes must be positive (at least 2 users and 1 community).")
        if options["comments"] < 0 or options["reactions"] < 0 or options["days"] < 1:
            raise CommandError("--comments and --reactions must be >= 0, --days >= 1.")
        existing = get_user_model().objects.count()
        if existing > MAX_EXISTING_USERS and not options["force"]:
            raise CommandError(
                f"This database already has {existing:,} users: seed_scale adds a whole generated organisation "
                "and is meant for benchmark, demo or empty databases. Add --force to add it anyway."
            )
        scale = ScaleOptions(**{name: options[name] for name in ScaleOptions.__dataclass_fields__})
        database = connection.settings_dict["NAME"]
        self.stdout.write(
            f"Adding {scale.users:,} users, {scale.communities:,} communities and {scale.posts:,} posts over "
            f"{scale.days} days to database {database!r} ({existing:,} users already there); seed {scale.seed}."
        )
        started = time.perf_counter()
        result = seed_scale(scale, log=self.stdout.write)
        verb, took = analyze()
        total = time.perf_counter() - started
        self.stdout.write(f"  {verb:<52}{took:8.1f} s")
        self.stdout.write(self.style.SUCCESS(f"  {'total':<52}{total:8.1f} s"))
        for name, count in result.counts.items():
            self.stdout.write(f"  {name:<24}{count:>12,}")
        self.stdout.write(
            f"Users #{result.users[0]}-#{result.users[1]} (site administrator #{result.admin_id}), communities "
            f"#{result.communities[0]}-#{result.communities[1]}, posts #{result.posts[0]}-#{result.posts[1]}. "
            f"Nobody can sign in with a password (unusable passwords). Integrity: {result.integrity}."
        )
