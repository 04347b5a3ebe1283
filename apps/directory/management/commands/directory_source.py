import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.directory import ldap, mapping
from apps.directory.models import DirectorySource, Preset, Security, SourceKind
from apps.directory.services.sources import source_remove, source_save, source_test
from apps.profiles.models import DIRECTORY_FIELDS

# The option that sets each field, where their names differ: errors name what was typed.
OPTIONS = {
    "page_size": "--page-size", "timeout_seconds": "--timeout", "sync_interval_minutes": "--interval",
    "deactivation_limit": "--deactivation-limit", "uris": "--uri", "user_base": "--user-base",
    "owned_fields": "--own", "attribute_map": "--map", "group_communities": "--group", "ca_file": "--ca-file",
}  # fmt: skip


def _pairs(values: list[str], what: str, *, split_last: bool = False) -> dict[str, str]:
    pairs = {}
    for value in values or ():
        # A group's DN has '=' in it: GROUP_DN=COMMUNITY splits at the last one.
        key, sep, target = value.rpartition("=") if split_last else value.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise CommandError(f"{what}: expected KEY=VALUE, got {value!r}.")
        pairs[key.strip()] = target.strip()
    return pairs


class Command(BaseCommand):
    help = "Manage the LDAP / Active Directory sources that `directory_sync` reads: add, list, show, test, remove."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{add,list,show,test,remove}")
        add = actions.add_parser("add", help="Add a source.", description="Add an LDAP or Active Directory source.")
        add.add_argument("name", help="Short name (letters, digits, - and _), used by --source.")
        add.add_argument("--kind", choices=SourceKind.values, default=SourceKind.LDAP,
                         help="ldap (default), or graph: Exchange Online's address list, through the "
                         "application of GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET "
                         "(then no --uri, no --user-base).")  # fmt: skip
        add.add_argument("--preset", choices=Preset.values, default=Preset.OPENLDAP,
                         help="Attribute mapping and filters to start from (default: openldap).")  # fmt: skip
        add.add_argument("--uri", action="append", default=[], dest="uris", metavar="URI",
                         help="ldap://host:389 or ldaps://host:636; repeat for failover servers.")  # fmt: skip
        add.add_argument("--security", choices=Security.values, default=Security.STARTTLS,
                         help="starttls (default), ldaps, or none (test networks only).")  # fmt: skip
        add.add_argument("--ca-file", default="", help="PEM file of the CA that signed the servers' certificates.")
        add.add_argument("--bind-dn", default="", help="DN of the account that reads the directory.")
        secret = add.add_mutually_exclusive_group()
        secret.add_argument("--bind-password-env", default="", metavar="VARIABLE",
                            help="Read the bind password from this environment variable at each run.")  # fmt: skip
        secret.add_argument("--bind-password-stdin", action="store_true",
                            help="Read the bind password from standard input; it is stored encrypted.")  # fmt: skip
        add.add_argument("--user-base", default="", help="Base DN of the people, e.g. ou=people,dc=example,dc=com.")
        add.add_argument("--user-filter", default="", help="LDAP filter of the people (default: the preset's).")
        add.add_argument("--group-base", default="", help="Base DN of the groups.")
        add.add_argument("--group-filter", default="", help="LDAP filter of the groups (default: the preset's).")
        owned = ", ".join(DIRECTORY_FIELDS)
        mappable = ", ".join((*mapping.LOGICAL_FIELDS, "member"))
        add.add_argument("--map", action="append", default=[], metavar="FIELD=ATTRIBUTE",
                         help=f"Override the preset's mapping; fields: {mappable}.")  # fmt: skip
        add.add_argument("--own", action="append", default=[], metavar="FIELD",
                         help=f"A profile field the directory owns (repeat): {owned}, or all.")  # fmt: skip
        add.add_argument("--group", action="append", default=[], metavar="GROUP_DN=COMMUNITY",
                         help="Members of this group join the community with this address (repeat).")  # fmt: skip
        add.add_argument("--no-account-status", action="store_true",
                         help="Never deactivate or reactivate accounts from this source.")  # fmt: skip
        add.add_argument("--deactivation-limit", type=int, default=None, metavar="N",
                         help="Abort a run deactivating more than N people, N from 0 "
                         "(default: max(5, 2 %%)).")  # fmt: skip
        add.add_argument("--allow-signin", action="store_true", help="People sign in with their directory password.")
        add.add_argument("--create-at-signin", action="store_true",
                         help="With --allow-signin: create the account at the first sign-in.")  # fmt: skip
        add.add_argument("--interval", type=int, default=60, metavar="MINUTES",
                         help="Sync every MINUTES, 0 to 10080 (default 60; 0: only on demand).")  # fmt: skip
        add.add_argument(
            "--page-size", type=int, default=500, help="Entries per page of a paged search, 1 to 10000 (default 500)."
        )
        add.add_argument("--timeout", type=int, default=10, help="Seconds to wait for a server, 1 to 600 (default 10).")
        add.add_argument("--disabled", action="store_true", help="Add it disabled: no scheduled runs.")
        actions.add_parser("list", help="List the sources.")
        for name, text in (("show", "Show a source's settings."), ("test", "Connect, bind and read three people."),
                           ("remove", "Remove a source (the accounts it made stay).")):  # fmt: skip
            sub = actions.add_parser(name, help=text, description=text)
            sub.add_argument("name")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _source(self, name) -> DirectorySource:
        source = DirectorySource.objects.filter(name=name).first()
        if source is None:
            raise CommandError(f"No directory source named {name!r}.")
        return source

    def _add(self, name, **o):
        if DirectorySource.objects.filter(name=name).exists():
            raise CommandError(f"A source named {name!r} exists already.")
        owned = list(DIRECTORY_FIELDS) if "all" in o["own"] else o["own"]
        source = DirectorySource(
            name=name, kind=o["kind"], preset=o["preset"], uris=o["uris"], security=o["security"], ca_file=o["ca_file"],
            bind_dn=o["bind_dn"], bind_password_env=o["bind_password_env"], user_base=o["user_base"],
            user_filter=o["user_filter"], group_base=o["group_base"], group_filter=o["group_filter"],
            attribute_map=_pairs(o["map"], "--map"), owned_fields=owned,
            group_communities=_pairs(o["group"], "--group", split_last=True),
            owns_account_status=not o["no_account_status"],
            deactivation_limit=o["deactivation_limit"], allow_signin=o["allow_signin"],
            create_at_signin=o["create_at_signin"], sync_interval_minutes=o["interval"], page_size=o["page_size"],
            timeout_seconds=o["timeout"], enabled=not o["disabled"],
        )  # fmt: skip
        password = sys.stdin.readline().rstrip("\n") if o["bind_password_stdin"] else None
        try:
            source.full_clean(exclude=["bind_password_encrypted"])
            source_save(actor=None, source=source, password=password)
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{OPTIONS.get(k, k)}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from error
        self.stdout.write(self.style.SUCCESS(f"Added {name}. Try it: manage.py directory_source test {name}"))

    def _list(self, **o):
        for source in DirectorySource.objects.all():
            state = "enabled" if source.enabled else "disabled"
            self.stdout.write(f"{source.name}\t{source.preset}\t{state}\t{' '.join(source.uris)}")

    def _show(self, name, **o):
        source = self._source(name)
        values = {f.name: getattr(source, f.name) for f in source._meta.concrete_fields}
        values.pop("bind_password_encrypted")
        values["bind_password"] = "(stored, encrypted)" if source.bind_password_encrypted else "(none)"
        values["effective_mapping"] = mapping.attribute_names(source)
        self.stdout.write(json.dumps(values, indent=2, default=str, ensure_ascii=False))

    def _test(self, name, **o):
        source = self._source(name)
        try:
            result = source_test(source)
        except ldap.DirectoryError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Connected to {result['server']} as {result['user'] or 'anonymous'}."))
        if not result["sample"]:
            self.stdout.write(self.style.WARNING("No one found under the user base with this filter."))
        for person in result["sample"]:
            self.stdout.write(f"  {person['dn']}  {person['email']}")
        if result["groups"]:
            self.stdout.write("Groups (the first 20), to map to communities with --group DN=COMMUNITY:")
            for dn in result["groups"]:
                self.stdout.write(f"  {dn}")

    def _remove(self, name, **o):
        source_remove(actor=None, source=self._source(name))
        self.stdout.write(f"Removed {name}; its accounts stay, as local accounts.")
