from django.core.management.base import BaseCommand, CommandError

from apps.directory.models import DirectorySource, RunState, Trigger
from apps.directory.services.sync import RunInProgress, directory_sync


class Command(BaseCommand):
    help = (
        "Sync people from the directory sources (LDAP / Active Directory): create, update, deactivate "
        "and reactivate accounts. A run that read an empty, partial or truncated result, or that would "
        "deactivate more people than the limit, changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", metavar="NAME", help="Only this source (default: every enabled source).")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Go past the safety checks: more deactivations, or more people leaving communities, than the "
            "source's limit; mapped groups that come back empty. An empty, partial or truncated read still "
            "changes nothing.",
        )

    def handle(self, *args, source=None, dry_run=False, force=False, **options):
        if source:
            sources = list(DirectorySource.objects.filter(name=source))
            if not sources:
                raise CommandError(f"No directory source named {source!r}.")
        else:
            sources = list(DirectorySource.objects.filter(enabled=True))
            if not sources:
                raise CommandError("No enabled directory source: add one with `manage.py directory_source add`.")
        failed = False
        for each in sources:
            try:
                run = directory_sync(source=each, dry_run=dry_run, force=force, trigger=Trigger.COMMAND)
            except RunInProgress as error:
                self.stderr.write(str(error))
                failed = True
                continue
            self._report(run)
            failed |= run.state != RunState.SUCCEEDED
        if failed:
            raise CommandError("At least one run did not succeed.")

    def _report(self, run):
        title = f"{run.source.name}: {run.get_state_display()}{' (dry run)' if run.dry_run else ''}"
        self.stdout.write(self.style.SUCCESS(title) if run.state == RunState.SUCCEEDED else self.style.ERROR(title))
        if run.message:
            self.stdout.write(f"  {run.message}")
        self.stdout.write(f"  entries read: {run.entries_read}, {run.duration_ms} ms")
        if run.counts and not run.applied:
            self.stdout.write("  Nothing was changed. This run would have:")
        for key, value in run.counts.items():
            self.stdout.write(f"  {key}: {value}")
        diff = run.diff or {}
        for email in diff.get("created", []):
            self.stdout.write(f"  + {email}")
        for item in diff.get("updated", []):
            for field, (old, new) in item["changes"].items():
                self.stdout.write(f"  ~ {item['email']} {field}: {old!r} -> {new!r}")
        for item in diff.get("deactivated", []):
            self.stdout.write(f"  - {item['email']} ({item['why']})")
        for email in diff.get("reactivated", []):
            self.stdout.write(f"  ^ {email}")
        for item in diff.get("errors", []):
            self.stdout.write(f"  ! {item['dn']}: {item['reason']}")
        unresolved = diff.get("unresolved", {})
        for item in unresolved.get("managers", []):
            why = f" ({item['reason']})" if item.get("reason") else ""
            self.stdout.write(f"  ? {item['dn']}: manager {item['value']} is nobody this run read{why}")
        for item in unresolved.get("members", []):
            why = f" ({item['reason']})" if item.get("reason") else ""
            self.stdout.write(f"  ? {item['group']}: member {item['value']} is nobody this run read{why}")
