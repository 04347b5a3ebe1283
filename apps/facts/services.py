"""Recording facts. (A first step: the outbox itself moves here from notifications.)"""


def fact_record(*, event: str, actor, **data):
    from apps.notifications.services import intent_record

    return intent_record(event=event, actor=actor, **data)
