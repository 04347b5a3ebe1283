"""The model-level hooks that end a person's other sessions (apps/accounts/session_end.py):
on the models rather than in the views, because the paths are many (the password change and
reset pages, the Django admin, single sign-on removing a local password, a management
command) and a path added later must not be able to forget them.

- A user saved with a new password hash: their other sessions end. If someone else set it
  (an administrator), or no request did (the command line), it goes to the audit log and the
  person is told by e-mail (apps/accounts/password_notice.py): whoever sets a password could
  sign in as them.
- The last two-factor authenticator deleted (TOTP deactivated, or removed in the admin):
  their other sessions end.

A signal, not a save() override: these are cross-cutting effects of writes that Django
and allauth make themselves."""

from django.conf import settings
from django.contrib.auth.hashers import is_password_usable
from django.db.models.signals import post_delete, post_save, pre_save

# The hash a user had before a save that changes it, between pre_save and post_save.
PREVIOUS_HASH = "_password_hash_before_save"
RECOVERY_CODES = "recovery_codes"


def password_changed(previous: str, current: str) -> bool:
    """Whether a new hash means a new password. One unusable hash for another is not a
    change: set_unusable_password writes a new random one each time."""
    if previous == current:
        return False
    return is_password_usable(previous) or is_password_usable(current)


def _user_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    if "password" not in instance.__dict__:  # deferred: this save does not write it
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and password_changed(stored, instance.password):
        instance.__dict__[PREVIOUS_HASH] = stored


def _user_after_save(sender, instance, created=False, raw=False, **kwargs):
    previous = instance.__dict__.pop(PREVIOUS_HASH, None)
    if previous is None or raw:
        return
    from apps.accounts.password_notice import password_set_by_other
    from apps.accounts.session_end import acting_request, acting_user, other_sessions_end

    ended = other_sessions_end(user=instance)
    actor = acting_user()
    if actor is not None and actor.pk == instance.pk:
        return  # their own change, from their own session
    if actor is None and acting_request() is not None:
        # A request with nobody signed in: the person's own reset link, or single sign-on
        # removing a local password while they sign in through the provider.
        return
    # An administrator, or no request at all (manage.py changepassword, a shell): actor None.
    password_set_by_other(
        actor=actor,
        user=instance,
        usable_before=is_password_usable(previous),
        usable_after=instance.has_usable_password(),
        sessions_ended=ended,
    )


def _authenticator_deleted(sender, instance, **kwargs):
    if instance.type == RECOVERY_CODES:
        return  # left alone, recovery codes are not a second factor (allauth deletes them too)
    remaining = sender._default_manager.filter(user_id=instance.user_id).exclude(type=RECOVERY_CODES)
    if remaining.exists():
        return
    from django.contrib.auth import get_user_model

    from apps.accounts.session_end import other_sessions_end

    other_sessions_end(user=get_user_model()(pk=instance.user_id))


def connect() -> None:
    user_model = settings.AUTH_USER_MODEL
    pre_save.connect(_user_before_save, sender=user_model, dispatch_uid="accounts.password_before_save")
    post_save.connect(_user_after_save, sender=user_model, dispatch_uid="accounts.password_after_save")
    # A lazy reference: the live process does not import allauth.mfa's models for this.
    post_delete.connect(_authenticator_deleted, sender="mfa.Authenticator", dispatch_uid="accounts.mfa_off")
