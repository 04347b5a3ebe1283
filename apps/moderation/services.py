from apps.moderation.models import AuditLogEntry


def audit_record(*, actor, action: str, target, before, after, actor_repr: str = "") -> AuditLogEntry:
    """Write one audit entry, in the caller's transaction: no admin action without its trace.
    With no actor (a management command, a shell), `actor_repr` says who or what acted."""
    return AuditLogEntry.objects.create(
        actor=actor,
        actor_repr=actor_repr or getattr(actor, "email", "") or str(actor),
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        before=before,
        after=after,
    )
