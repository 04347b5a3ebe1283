from django.core.management.base import BaseCommand

from apps.demo.activity import seed_activity
from apps.demo.conversations import seed_conversations
from apps.demo.organisation import seed_organisation
from apps.notifications.services import backlog_settle


class Command(BaseCommand):
    help = "Create the demo organisation and a few weeks of its activity (idempotent)."

    def handle(self, *args, **options):
        result = seed_organisation()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organisation ready: {result['employees']} employees; "
                f"admin {result['admin']}, employee {result['ceo']}, password {result['password']}"
            )
        )
        conversations = seed_conversations()
        if conversations is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo conversations added: {conversations} conversations, {messages} messages.".format(
                        **conversations
                    )
                )
            )
        activity = seed_activity()
        if activity is None:
            self.stdout.write("Demo activity already present: nothing added.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                "Demo activity added: {posts} posts ({images} with an image), {comments} comments, "
                "{reactions} reactions, {votes} poll votes, {bookmarks} bookmarks, {follows} follows, "
                "{hashtag_follows} hashtag follows.".format(**activity)
            )
        )
        notified = backlog_settle()
        self.stdout.write(f"Notifications of that activity: {notified} (listed in the app, not e-mailed).")
        if activity["skipped"]:
            self.stdout.write(
                self.style.WARNING(f"{activity['skipped']} demo steps skipped: their people or communities changed.")
            )
