from django.core.management.base import BaseCommand

from apps.profiles.demo import seed_organisation


class Command(BaseCommand):
    help = "Create the demo organisation (idempotent)."

    def handle(self, *args, **options):
        result = seed_organisation()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organisation ready: {result['employees']} employees; "
                f"admin {result['admin']}, employee {result['ceo']}, password {result['password']}"
            )
        )
