"""Three weeks of the demo company's activity: posts of every kind, comments and replies,
reactions, poll votes, best answers, praise, shares, bookmarks, and who follows whom.

Everything goes through the feed services, so the demo obeys the same rules as real use
(only members post in a community, mentions and praise stay among readers, ...). The
services stamp the present; the posts and comments are then moved back in time with one
UPDATE each. The activity is seeded once: if the admin's welcome post exists, nothing is done.

A database that changed since the demo was written (someone left, a community was archived)
does not stop `make run`: what can no longer be done is skipped, and counted."""

import datetime
import io
import random
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Case, DateTimeField, Q, Value, When
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from apps.communities.models import Community, Membership, State, Visibility
from apps.core.reactions import ReactionKind
from apps.core.text import extract_mentions_and_hashtags, fold
from apps.demo.activity_data import HASHTAG_FOLLOWS, POSTS, TIME_ZONE
from apps.demo.event_times import backdate_events
from apps.demo.organisation_data import ADMIN_EMAIL, CEO, DEMO_DOMAIN, demo_email
from apps.feeds import services
from apps.feeds.models import Comment, Hashtag, Kind, PollOption, Post
from apps.profiles import services as profile_services
from apps.profiles.models import Profile

SEED = 20240917


def seed_activity() -> dict | None:
    """Create the demo activity once; None when it exists already (or there is no demo organisation)."""
    admin = get_user_model().objects.filter(email=ADMIN_EMAIL, is_active=True).first()
    if admin is None:
        return None
    # The marker: the admin's welcome post, even edited or deleted since.
    welcome = POSTS[0]["body"]
    if Post.objects.filter(Q(body=welcome) | Q(revisions__body=welcome), author=admin).exists():
        return None
    with transaction.atomic():
        return _Seeder().run()


class _Seeder:
    """Plays POSTS in order, then the follows; every step through a service."""

    def __init__(self):
        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.zone = ZoneInfo(TIME_ZONE)
        users = get_user_model().objects.filter(email__iendswith=f"@{DEMO_DOMAIN}", is_active=True)
        # One instance per person: permission checks cache on it.
        self.people = {user.email.split("@")[0].lower(): user for user in users.order_by("email")}
        self.by_id = {user.pk: user for user in self.people.values()}
        self.communities = {c.name: c for c in Community.objects.filter(archived_at__isnull=True)}
        self.members: dict[int, set[int]] = {}
        for community_id, user_id in Membership.objects.filter(state=State.ACTIVE).values_list(
            "community_id", "user_id"
        ):
            self.members.setdefault(community_id, set()).add(user_id)
        self.posts: dict[str, Post] = {}
        self.post_moments: dict[int, datetime.datetime] = {}
        self.comment_moments: dict[int, datetime.datetime] = {}
        self.closings: dict[int, datetime.datetime] = {}
        self.pinned: set[int] = set()
        self.counts = dict.fromkeys(["posts", "comments", "reactions", "votes", "images", "bookmarks", "skipped"], 0)

    def call(self, service, **kwargs):
        """Run one service; a refusal is counted as skipped (None)."""
        try:
            return service(**kwargs)
        except (PermissionDenied, ValidationError):
            self.counts["skipped"] += 1
            return None

    # ------------------------------------------------------------------ who may do what

    def readers(self, community: Community | None) -> list:
        """Everyone for a company-wide, public or moderated post; the members of a private community."""
        if community is None or community.visibility != Visibility.PRIVATE:
            return list(self.people.values())
        members = self.members.get(community.pk, set())
        return [user for user in self.people.values() if user.pk in members]

    def may_write(self, names: list[str], body: str, readers: list) -> bool:
        """The people exist, and whoever the text mentions may read the post."""
        handles, _tags = extract_mentions_and_hashtags(body)
        allowed = {user.pk for user in readers}
        people = [self.people.get(name.lower()) for name in [*names, *handles]]
        if all(user is not None for user in people) and all(self.people[h.lower()].pk in allowed for h in handles):
            return True
        self.counts["skipped"] += 1
        return False

    # ------------------------------------------------------------------ time

    def moment(self, when: tuple[int, str]) -> datetime.datetime:
        """`when` is (working days ago, "HH:MM" in the company's time zone)."""
        workdays, clock = when
        day = timezone.localtime(self.now, self.zone).date()
        while workdays:
            day -= datetime.timedelta(days=1)
            if day.weekday() < 5:
                workdays -= 1
        hour, minute = (int(part) for part in clock.split(":"))
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.zone)

    def moments_after(self, start: datetime.datetime, count: int) -> list[datetime.datetime]:
        """Increasing moments after `start`, squeezed if needed to stay in the past."""
        offsets, total = [], 0
        for _ in range(count):
            total += self.rng.randint(6, 95)
            offsets.append(total)
        room = (self.now - datetime.timedelta(minutes=2) - start).total_seconds() / 60
        scale = min(1.0, room / total) if total else 1.0
        return [start + datetime.timedelta(minutes=offset * scale) for offset in offsets]

    # ------------------------------------------------------------------ seeding

    def run(self) -> dict:
        for spec in POSTS:
            self.seed_post(spec)
        self.backdate()
        self.counts["follows"] = self.seed_follows()
        self.counts["hashtag_follows"] = self.seed_hashtag_follows()
        return self.counts

    def seed_post(self, spec: dict) -> None:
        kind, name = spec["kind"], spec.get("community")
        community = self.communities.get(name) if name else None
        readers = self.readers(community)
        if name and community is None:
            self.counts["skipped"] += 1
            return
        if not self.may_write([spec["author"]], spec["body"], readers):
            return
        author = self.people[spec["author"]]
        posted_at = self.moment(spec["when"])
        extra, closed_at = {}, None
        if kind == Kind.POLL:
            poll = spec["poll"]
            closes = posted_at + datetime.timedelta(days=poll["closes_days"]) if "closes_days" in poll else None
            if closes is not None and closes <= self.now:
                # It closed in the past: open while people vote, closed when backdated.
                closed_at, closes = closes, self.now + datetime.timedelta(hours=1)
            extra.update(poll_options=poll["options"], poll_multiple=poll.get("multiple", False), poll_closes_at=closes)
        if kind == Kind.PRAISE:
            recipients = [self.people[n] for n in spec["recipients"] if n in self.people]
            extra.update(badge=spec["badge"], recipients=recipients)
        if kind == Kind.SHARE:
            extra["shared_post"] = self.posts.get(spec["share"])
            if extra["shared_post"] is None:
                self.counts["skipped"] += 1
                return
        if "image" in spec:
            extra["uploads"] = [_draw(spec["image"])]
        post = self.call(
            services.post_create,
            actor=author,
            community=community,
            body=spec["body"],
            kind=kind,
            pinned=spec.get("pinned", False),
            **extra,
        )
        if post is None:
            return
        self.posts[spec["key"]] = post
        self.post_moments[post.pk] = posted_at
        self.counts["posts"] += 1
        self.counts["images"] += "image" in spec
        if closed_at is not None:
            self.closings[post.pk] = closed_at
        if post.pinned_at is not None:
            self.pinned.add(post.pk)
        if kind == Kind.POLL:
            self.vote(post, spec["poll"], readers)
        answers = self.seed_comments(post, spec.get("comments", []), posted_at, readers)
        if "best" in spec and answers[spec["best"]] is not None:
            self.call(services.best_answer_set, actor=author, post=post, comment=answers[spec["best"]])
        self.react(post, readers, author, spec.get("reactions", 0), spec.get("mood", "like"))
        for name in spec.get("bookmarks", []):
            if name in self.people and self.call(services.bookmark_set, actor=self.people[name], post=post, saved=True):
                self.counts["bookmarks"] += 1

    def comment(self, post: Post, author: str, body: str, readers: list, parent=None) -> Comment | None:
        if not self.may_write([author], body, readers):
            return None
        comment = self.call(services.comment_create, actor=self.people[author], post=post, body=body, parent=parent)
        if comment is not None:
            self.counts["comments"] += 1
            self.react_comment(comment, readers)
        return comment

    def seed_comments(self, post: Post, threads: list, posted_at, readers: list) -> list[Comment | None]:
        """The top-level comments (None where skipped), each followed by its replies."""
        count = sum(1 + len(replies) for _author, _body, replies in threads)
        moments = iter(self.moments_after(posted_at, count))
        tops = []
        for author, body, replies in threads:
            top = self.comment(post, author, body, readers)
            tops.append(top)
            at = next(moments)
            if top is None:
                continue
            self.comment_moments[top.pk] = at
            for reply_author, reply_body in replies:
                reply = self.comment(post, reply_author, reply_body, readers, parent=top)
                at = next(moments)
                if reply is not None:
                    self.comment_moments[reply.pk] = at
        return tops

    def react(self, post: Post, readers: list, author, count: int, mood: str) -> None:
        # Mostly the post's mood and likes; a few others, and nobody laughs at a serious post.
        kinds = ReactionKind.values
        weights = [
            8 if k == mood else 4 if k == ReactionKind.LIKE else 0 if k == ReactionKind.FUNNY else 1 for k in kinds
        ]
        others = [user for user in readers if user.pk != author.pk]
        for user in self.rng.sample(others, min(count, len(others))):
            kind = self.rng.choices(kinds, weights)[0]
            if self.call(services.reaction_set, actor=user, kind=kind, post=post):
                self.counts["reactions"] += 1

    def react_comment(self, comment: Comment, readers: list) -> None:
        if self.rng.random() < 0.92:
            return
        others = [user for user in readers if user.pk != comment.author_id]
        for user in self.rng.sample(others, min(self.rng.randint(1, 2), len(others))):
            kind = self.rng.choices([ReactionKind.LIKE, ReactionKind.INSIGHTFUL, ReactionKind.FUNNY], [6, 2, 1])[0]
            if self.call(services.reaction_set, actor=user, kind=kind, comment=comment):
                self.counts["reactions"] += 1

    def vote(self, post: Post, poll: dict, readers: list) -> None:
        options = list(PollOption.objects.filter(post=post).order_by("position").values_list("pk", flat=True))
        for user in self.rng.sample(readers, min(poll["votes"], len(readers))):
            chosen = {self.rng.choices(options, poll["weights"])[0]}
            if poll.get("multiple") and self.rng.random() < 0.5:
                chosen.add(self.rng.choices(options, poll["weights"])[0])
            if self.call(services.poll_vote, actor=user, post=post, option_ids=sorted(chosen)):
                self.counts["votes"] += 1

    def backdate(self) -> None:
        """The services stamped the present: move posts and comments to their moments."""
        for model, moments in ((Post, self.post_moments), (Comment, self.comment_moments)):
            if moments:
                when = Case(*[When(pk=pk, then=Value(at)) for pk, at in moments.items()], output_field=DateTimeField())
                model.objects.filter(pk__in=list(moments)).update(created_at=when, updated_at=when)
        if self.pinned:
            when = Case(*[When(pk=pk, then=Value(self.post_moments[pk])) for pk in self.pinned])
            Post.objects.filter(pk__in=self.pinned).update(pinned_at=when)
        for pk, closes in self.closings.items():
            Post.objects.filter(pk=pk).update(poll_closes_at=closes)
        # Their facts too: notifications show when it happened (event_times.py).
        backdate_events(self.post_moments, self.comment_moments, self.now, SEED + 1)

    # ------------------------------------------------------------------ following

    def seed_follows(self) -> int:
        """Everyone follows their manager, some a colleague of their department too;
        the CEO follows the heads of department, the admin follows the CEO."""
        profiles = list(Profile.objects.filter(user__in=self.by_id).order_by("user__email"))
        user_of = {profile.pk: self.by_id[profile.user_id] for profile in profiles}
        pairs = []
        for profile in profiles:
            user = user_of[profile.pk]
            if profile.manager_id in user_of:
                pairs.append((user, user_of[profile.manager_id]))
            colleagues = [user_of[p.pk] for p in profiles if p.department == profile.department and p.pk != profile.pk]
            if colleagues and self.rng.random() < 0.15:
                pairs.append((user, self.rng.choice(colleagues)))
        ceo = self.people.get(demo_email(*CEO[:2]).split("@")[0])
        if ceo is not None:
            heads = [user_of[p.pk] for p in profiles if p.manager_id in user_of and user_of[p.manager_id].pk == ceo.pk]
            pairs.extend((ceo, head) for head in heads)
            pairs.append((self.people["admin"], ceo))
        done = set()
        for follower, followee in pairs:
            if (follower.pk, followee.pk) not in done:
                done.add((follower.pk, followee.pk))
                if not self.call(profile_services.follow_create, actor=follower, followee=followee):
                    done.discard((follower.pk, followee.pk))
        return len(done)

    def seed_hashtag_follows(self) -> int:
        """Everyone follows one of their department's hashtags."""
        hashtags = {tag.name: tag for tag in Hashtag.objects.all()}
        count = 0
        for profile in Profile.objects.filter(user__in=self.by_id).order_by("user__email"):
            name = self.rng.choice(HASHTAG_FOLLOWS.get(profile.department) or HASHTAG_FOLLOWS["IT"])
            if fold(name) in hashtags:
                services.hashtag_follow_set(
                    actor=self.by_id[profile.user_id], hashtag=hashtags[fold(name)], followed=True
                )
                count += 1
        return count


# ---------------------------------------------------------------------- pictures


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _png(image: Image.Image, name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _draw(spec: dict) -> SimpleUploadedFile:
    draw = {"banner": _banner, "bars": _bars, "floorplan": _floorplan}[spec["style"]]
    image = draw(spec)
    # Drawn at 1200 px wide, shown at 960: smoother text, and less to re-encode.
    image = image.resize((image.width * 4 // 5, image.height * 4 // 5), Image.Resampling.LANCZOS)
    return _png(image, spec["name"])


def _banner(spec: dict) -> Image.Image:
    """A gradient banner with a title, a subtitle and a few circles."""
    width, height = 1200, 630
    (r1, g1, b1), (r2, g2, b2) = spec["colors"]
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / (height - 1)
        draw.line(
            [(0, y), (width, y)], fill=(round(r1 + (r2 - r1) * t), round(g1 + (g2 - g1) * t), round(b1 + (b2 - b1) * t))
        )
    rng = random.Random(spec["name"])
    for _ in range(7):
        x, y, radius = rng.randint(960, 1160), rng.randint(-40, 600), rng.randint(30, 100)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=(255, 255, 255), width=4)
    draw.text((80, 220), spec["title"], font=_font(96), fill="white")
    draw.text((84, 350), spec["subtitle"], font=_font(34), fill=(235, 235, 245))
    draw.rectangle((84, 430, 284, 438), fill="white")
    return image


def _bars(spec: dict) -> Image.Image:
    """A bar chart with values on top of the bars."""
    width, height, left, bottom, top = 1200, 675, 110, 585, 140
    image = Image.new("RGB", (width, height), (250, 250, 252))
    draw = ImageDraw.Draw(image)
    draw.text((left, 50), spec["title"], font=_font(44), fill=(30, 30, 40))
    # Four gridlines at round values above the highest bar.
    step = next(n for n in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000) if n * 4 >= max(spec["values"]) * 1.1)
    peak = step * 4
    for index in range(5):
        y = bottom - (bottom - top) * index / 4
        draw.line([(left, y), (width - 60, y)], fill=(215, 215, 225), width=2)
        draw.text((30, y - 14), str(step * index), font=_font(24), fill=(110, 110, 120))
    slot = (width - 60 - left) / len(spec["values"])
    color = spec["colors"][0]
    for index, (label, value) in enumerate(zip(spec["labels"], spec["values"], strict=True)):
        x0 = left + slot * index + slot * 0.2
        x1 = x0 + slot * 0.6
        y0 = bottom - (bottom - top) * value / peak
        draw.rectangle((x0, y0, x1, bottom), fill=color)
        draw.text((x0 + 10, y0 - 36), str(value), font=_font(28), fill=(30, 30, 40))
        draw.text((x0 + 10, bottom + 16), label, font=_font(28), fill=(70, 70, 80))
    draw.line([(left, bottom), (width - 60, bottom)], fill=(60, 60, 70), width=3)
    return image


def _floorplan(spec: dict) -> Image.Image:
    """An office floor: rooms, desks, and a legend."""
    image = Image.new("RGB", (1200, 800), (245, 243, 238))
    draw = ImageDraw.Draw(image)
    draw.text((60, 30), spec["title"], font=_font(44), fill=(40, 40, 50))
    rooms = [
        ((60, 110, 640, 470), "Engineering", (214, 230, 250)),
        ((660, 110, 1140, 470), "Marketing", (250, 226, 214)),
        ((60, 490, 400, 760), "Meeting room Seine", (222, 242, 222)),
        ((420, 490, 760, 760), "Kitchen", (248, 240, 200)),
        ((780, 490, 1140, 760), "Standing desks", (236, 222, 248)),
    ]
    for box, label, fill in rooms:
        draw.rectangle(box, fill=fill, outline=(90, 90, 100), width=4)
        draw.text((box[0] + 16, box[1] + 12), label, font=_font(30), fill=(40, 40, 50))
    for x0, y0, x1, _y1 in (rooms[0][0], rooms[1][0]):
        for row in range(3):
            for col in range((x1 - x0 - 40) // 110):
                dx, dy = x0 + 30 + col * 110, y0 + 70 + row * 95
                draw.rectangle((dx, dy, dx + 80, dy + 50), fill="white", outline=(120, 120, 130), width=2)
                draw.ellipse((dx + 30, dy + 58, dx + 50, dy + 78), fill=(120, 120, 130))
    return image
