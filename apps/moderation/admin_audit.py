"""The audit log for what administrators do in the Django admin, as for the product's own
pages (apps.moderation.services.audit_record): every object added, changed or deleted
through an audited ModelAdmin is written, with the changed fields' values before and after,
in the same transaction as the change.

The hooks are the admin's own steps that every path goes through and that ModelAdmins
rarely override: save_related (after the add and change forms and the list's editable
columns, m2m saved), log_deletions (the delete page and the "delete selected" action, before
they delete) and response_action (the actions run in one transaction with their entries).
A ModelAdmin's own actions write their entries themselves. tests/test_audit_log.py walks the
admin's registry: a ModelAdmin that can change something is audited or says why not."""

from django.contrib import admin
from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from apps.moderation.services import audit_record

HIDDEN = "[not recorded]"


def plain(value):
    """A field's value as the audit log keeps it (JSON): related objects by their key."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, (list, tuple, set, models.QuerySet)):
        return sorted((plain(item) for item in value), key=str)
    return value


class AuditedModelAdmin(admin.ModelAdmin):
    # The entries' action names: "<audit_name>.add", ".change", ".delete" (default: the
    # model's label, "app.model").
    audit_name = ""
    # Fields whose values are secrets (a hash, a client secret, a token): the entry says
    # that they changed, never what they hold.
    audit_hidden_fields = frozenset({"password"})
    # What a deletion entry keeps of the object (default: every field but the hidden ones):
    # enough to say what it was, not a copy of someone's private data.
    audit_deleted_fields: tuple[str, ...] = ()

    def audit_action(self, verb: str) -> str:
        return f"{self.audit_name or self.model._meta.label_lower}.{verb}"

    def audit_value(self, field: str, value):
        return HIDDEN if field in self.audit_hidden_fields else plain(value)

    def audit_changes(self, request, obj, changes: dict, add: bool) -> None:
        """Record `changes` ({field: (before, after)}) made to `obj` by this form. A
        ModelAdmin splits them into entries of its own by overriding this."""
        self.audit_entry(request, obj, "add" if add else "change", changes)

    def audit_entry(self, request, obj, verb: str, changes: dict) -> None:
        if not changes:
            return
        audit_record(
            actor=request.user,
            action=self.audit_action(verb),
            target=obj,
            before=None if verb == "add" else {field: before for field, (before, _after) in changes.items()},
            after={field: after for field, (_before, after) in changes.items()},
        )

    def form_changes(self, form, obj, add: bool) -> dict:
        """{field: (before, after)} for the model fields this form changed (for an addition,
        the fields it set), read once everything, m2m included, is saved."""
        model_fields = {field.name: field for field in obj._meta.get_fields() if field.concrete or field.many_to_many}
        changes = {}
        for name in form.changed_data:
            field = model_fields.get(name)
            if field is None or not field.editable:
                continue  # a form-only field (a password's two inputs, a confirmation)
            before, after = plain(form.initial.get(name)), plain(field.value_from_object(obj))
            if add:
                changes[name] = (None, self.audit_value(name, after))
            elif before != after:
                changes[name] = (self.audit_value(name, before), self.audit_value(name, after))
        return changes

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.audit_changes(request, form.instance, self.form_changes(form, form.instance, not change), not change)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self.audit_deletion(request, obj)
        return super().log_deletions(request, queryset)

    def audit_deletion(self, request, obj) -> None:
        fields = [field for field in obj._meta.concrete_fields if not field.primary_key]
        if self.audit_deleted_fields:
            fields = [field for field in fields if field.name in self.audit_deleted_fields]
        audit_record(
            actor=request.user,
            action=self.audit_action("delete"),
            target=obj,
            before={field.name: self.audit_value(field.name, field.value_from_object(obj)) for field in fields},
            after=None,
        )

    def response_action(self, request, queryset):
        # An action and its audit entries, or neither ("delete selected" logs before it deletes).
        with transaction.atomic():
            return super().response_action(request, queryset)
