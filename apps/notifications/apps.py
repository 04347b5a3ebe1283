from django.apps import AppConfig

# The task that processes one fact (apps/notifications/tasks.py), subscribed by name: the
# name notifications' intents had before they became facts, so messages queued before an
# upgrade are still processed after it.
PROCESS_FACT_TASK = "notifications.process_intent"


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self):
        # Consumes the facts it has a planner for; the producers never import it.
        from apps.facts.registry import subscribe
        from apps.notifications.planning import PLANNERS

        subscribe(consumer=self.label, events=PLANNERS, task_name=PROCESS_FACT_TASK)
