"""The Django admin writes to the audit log as the product's pages do (tests/test_audit_log.py
holds the rule and the services): what an administrator adds, changes, deletes or does with
an action through a registered ModelAdmin.

`test_every_admin_capability_is_listed` walks django.contrib.admin.site._registry: each thing
a ModelAdmin lets a superuser do to a model (add, change an editable field, delete, each
action) must be in AUDITED, with a scenario that does it through the admin's pages and
names the entry expected, or in NOT_AUDITED with the reason. A new ModelAdmin, or a new
action, therefore fails this test until someone decides."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Invitation
from apps.directory.models import DirectoryAccount, DirectoryRun, DirectorySource
from apps.moderation.models import AuditLogEntry
from apps.pages.models import SiteBranding
from apps.profiles.models import ProfileFieldPolicy, Skill
from tests.accounts.admin_forms import post_form
from tests.factories import ProfileFactory, UserFactory


def _superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = get_user_model()(is_active=True, is_staff=True, is_superuser=True)
    return request


def admin_capabilities() -> set[str]:
    """'app_label.model:add|change|delete' and 'app_label.model:action:<name>'."""
    request = _superuser_request()
    found = set()
    for model, model_admin in admin.site._registry.items():
        label, obj = model._meta.label_lower, model()
        if model_admin.has_add_permission(request):
            found.add(f"{label}:add")
        fields = flatten_fieldsets(model_admin.get_fieldsets(request, obj))
        readonly = set(model_admin.get_readonly_fields(request, obj))
        editable = [field for field in fields if field not in readonly] or model_admin.list_editable
        if model_admin.has_change_permission(request, obj) and editable:
            found.add(f"{label}:change")
        if model_admin.has_delete_permission(request, obj):
            found.add(f"{label}:delete")
        found |= {f"{label}:action:{name}" for name in model_admin.get_actions(request) if name != "delete_selected"}
    return found


# ------------------------------------------------------------------ through the admin's pages


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _saved(response, action: str) -> str:
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return action


def _added(client, model, action: str, **fields) -> str:
    return _saved(post_form(client, _url(model, "add"), **fields), action)


def _changed(client, obj, action: str, **fields) -> str:
    return _saved(post_form(client, _url(type(obj), "change", obj.pk), **fields), action)


def _deleted(client, obj, action: str) -> str:
    assert client.post(_url(type(obj), "delete", obj.pk), {"post": "yes"}).status_code == 302
    return action


def _acted(client, obj, action):
    response = client.post(_url(type(obj), "changelist"), {"action": action, "_selected_action": [obj.pk]})
    assert response.status_code == 302


def _group():
    return Group.objects.create(name="Editors")


def _social_app():
    return SocialApp.objects.create(provider="openid_connect", provider_id="corp", name="Corp", client_id="id")


def _social_account():
    return SocialAccount.objects.create(user=UserFactory(), provider="corp", uid="subject-1", extra_data={"sub": "1"})


def _authenticator():
    return Authenticator.objects.create(
        user=UserFactory(), type="recovery_codes", data={"seed": "x"}, last_used_at=timezone.now()
    )


def _field_policy(field="birthday"):
    """One per profile field, made by a migration."""
    return ProfileFieldPolicy.objects.get(field=field)


def _field_policy_added(client):
    _field_policy().delete()
    return _added(client, ProfileFieldPolicy, "profile.field_policy.add", field="birthday", is_private=True)


def _source():
    return DirectorySource.objects.create(name="corp", uris=["ldap://ldap.example.com"], user_base="dc=example")


def _invitation_revoked(client):
    from apps.accounts.services import invitation_create

    invitation = invitation_create(actor=UserFactory(is_staff=True, is_superuser=True), email="new@example.com")
    _acted(client, Invitation.objects.get(pk=invitation.pk), "revoke")
    return "invitation.revoke"


def _directory_account():
    return DirectoryAccount.objects.create(source=_source(), user=UserFactory(), external_id="1", dn="uid=1")


def _status_handed_back(client):
    _acted(client, _directory_account(), "hand_back")
    return "directory.account.status_handed_back"


def _address_verified(client):
    address = EmailAddress.objects.create(user=UserFactory(verified_email=False), email="new@example.com")
    _acted(client, address, "make_verified")
    return "user.email_address.verify"


User = get_user_model()

AUDITED = {
    # The branding's site name left empty and the default colour: what the pages show is unchanged.
    "pages.sitebranding:add": lambda c: _added(c, SiteBranding, "branding.change", primary_colour="#1d4ed8"),
    "pages.sitebranding:change": lambda c: _changed(
        c, SiteBranding.objects.create(), "branding.change", primary_colour="#1d4ed8"
    ),
    "accounts.user:add": lambda c: _added(
        c, User, "user.add", email="new@example.com", password1="Xy-9-long-pass", password2="Xy-9-long-pass"
    ),
    "accounts.user:change": lambda c: _changed(c, UserFactory(), "user.permissions_change", is_superuser=True),
    "accounts.user:delete": lambda c: _deleted(c, UserFactory(), "user.delete"),
    "accounts.invitation:add": lambda c: _added(c, Invitation, "invitation.create", email="new@example.com"),
    "accounts.invitation:action:revoke": _invitation_revoked,
    "account.emailaddress:add": lambda c: _added(
        c, EmailAddress, "user.email_address.add", user=str(UserFactory().pk), email="x@example.com"
    ),
    "account.emailaddress:change": lambda c: _changed(
        c, UserFactory().emailaddress_set.get(), "user.email_address.change", email="x@example.com"
    ),
    "account.emailaddress:delete": lambda c: _deleted(
        c, UserFactory().emailaddress_set.get(), "user.email_address.delete"
    ),
    "account.emailaddress:action:make_verified": _address_verified,
    "auth.group:add": lambda c: _added(c, Group, "auth.group.add", name="Editors"),
    "auth.group:change": lambda c: _changed(
        c, _group(), "auth.group.change", permissions=[str(Permission.objects.get(codename="change_user").pk)]
    ),
    "auth.group:delete": lambda c: _deleted(c, _group(), "auth.group.delete"),
    "mfa.authenticator:add": lambda c: _added(
        c,
        Authenticator,
        "user.authenticator.add",
        user=str(UserFactory().pk),
        type="recovery_codes",
        data='{"seed": "y"}',
        last_used_at_0="2025-01-02",
        last_used_at_1="10:00:00",
    ),
    "mfa.authenticator:change": lambda c: _changed(
        c, _authenticator(), "user.authenticator.change", data='{"seed": "y"}'
    ),
    "mfa.authenticator:delete": lambda c: _deleted(c, _authenticator(), "user.authenticator.delete"),
    "socialaccount.socialaccount:add": lambda c: _added(
        c,
        SocialAccount,
        "user.sso_link.add",
        user=str(UserFactory().pk),
        provider="corp",
        uid="subject-2",
        extra_data='{"sub": "subject-2"}',
    ),
    "socialaccount.socialaccount:change": lambda c: _changed(
        c, _social_account(), "user.sso_link.change", user=str(UserFactory().pk)
    ),
    "socialaccount.socialaccount:delete": lambda c: _deleted(c, _social_account(), "user.sso_link.delete"),
    "socialaccount.socialapp:add": lambda c: _added(
        c, SocialApp, "sso.app.add", provider="openid_connect", name="Corp", client_id="id", secret="s3cret"
    ),
    "socialaccount.socialapp:change": lambda c: _changed(c, _social_app(), "sso.app.change", secret="an0ther"),
    "socialaccount.socialapp:delete": lambda c: _deleted(c, _social_app(), "sso.app.delete"),
    "socialaccount.socialtoken:add": lambda c: _added(
        c, SocialToken, "sso.token.add", app=str(_social_app().pk), account=str(_social_account().pk), token="t0ken"
    ),
    "socialaccount.socialtoken:change": lambda c: _changed(
        c,
        SocialToken.objects.create(app=_social_app(), account=_social_account(), token="t"),
        "sso.token.change",
        token="t2",
    ),
    "socialaccount.socialtoken:delete": lambda c: _deleted(
        c, SocialToken.objects.create(app=_social_app(), account=_social_account(), token="t"), "sso.token.delete"
    ),
    "profiles.profile:delete": lambda c: _deleted(c, ProfileFactory(), "profile.delete"),
    "profiles.profilefieldpolicy:add": _field_policy_added,
    "profiles.profilefieldpolicy:change": lambda c: _changed(
        c, _field_policy(), "profile.field_policy.change", is_private=not _field_policy().is_private
    ),
    "profiles.profilefieldpolicy:delete": lambda c: _deleted(c, _field_policy(), "profile.field_policy.delete"),
    "profiles.skill:add": lambda c: _added(c, Skill, "skill.add", name="Kotlin"),
    "profiles.skill:change": lambda c: _changed(
        c, Skill.objects.create(name="Kotlin", folded="kotlin"), "skill.change", name="Kotlin Multiplatform"
    ),
    "profiles.skill:delete": lambda c: _deleted(
        c, Skill.objects.create(name="Kotlin", folded="kotlin"), "skill.delete"
    ),
    # Through apps.directory.services.sources, audited there.
    "directory.directorysource:add": lambda c: _added(
        c,
        DirectorySource,
        "directory.source.save",
        name="corp2",
        uris="ldap://ldap.example.com",
        user_base="dc=example",
    ),
    "directory.directorysource:change": lambda c: _changed(
        c, _source(), "directory.source.save", sync_interval_minutes="120"
    ),
    "directory.directorysource:delete": lambda c: _deleted(c, _source(), "directory.source.remove"),
    "directory.directoryaccount:action:hand_back": _status_handed_back,
    "directory.directoryaccount:delete": lambda c: _deleted(c, _directory_account(), "directory.account.delete"),
    "directory.directoryrun:delete": lambda c: _deleted(
        c, DirectoryRun.objects.create(source=_source(), trigger="admin"), "directory.run.delete"
    ),
}
RECORDED_AS_RUNS = (
    "what a sync changes is the directory's word, not an administrator's choice: the run it queues is "
    "recorded as a DirectoryRun naming who asked (trigger, requested_by) with its diff, and a forced run "
    "is audited (directory.sync.forced)"
)
NOT_AUDITED = {
    "directory.directorysource:action:test_connection": "reads the directory and changes nothing",
    "directory.directorysource:action:dry_run": RECORDED_AS_RUNS,
    "directory.directorysource:action:sync_now": RECORDED_AS_RUNS,
}


def test_every_admin_capability_is_listed():
    found = admin_capabilities()
    unlisted = found - set(AUDITED) - set(NOT_AUDITED)
    assert not unlisted, f"Decide whether these audit (AUDITED or NOT_AUDITED): {sorted(unlisted)}"
    assert not set(AUDITED) & set(NOT_AUDITED)
    stale = (set(AUDITED) | set(NOT_AUDITED)) - found
    assert not stale, f"listed but the admin no longer allows it: {sorted(stale)}"


@pytest.mark.django_db
@pytest.mark.parametrize("capability", sorted(AUDITED))
def test_each_admin_capability_writes_its_audit_entry(client, capability):
    actor = ProfileFactory(user=UserFactory(is_staff=True, is_superuser=True)).user
    client.force_login(actor)
    action = AUDITED[capability](client)
    entries = AuditLogEntry.objects.filter(action=action, actor=actor)
    assert entries.exists(), f"{capability}: no {action!r} entry by {actor}"
    assert all(entry.actor_repr == actor.email for entry in entries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("capability", "secret"),
    [
        ("socialaccount.socialapp:add", "s3cret"),
        ("socialaccount.socialapp:change", "an0ther"),
        ("socialaccount.socialtoken:add", "t0ken"),
        ("mfa.authenticator:change", '"y"'),
    ],
)
def test_secrets_are_said_to_change_never_written(client, capability, secret):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    AUDITED[capability](client)
    entry = AuditLogEntry.objects.get()
    assert secret not in repr((entry.before, entry.after))
    assert "[not recorded]" in repr(entry.after)
