from apps.core.broadcast import group_name


def subscription_groups(*, user) -> list[str]:
    """The groups a user's socket joins at connect.

    Only groups whose every event the user may see. The communities and
    conversations issues add theirs here, from their own visible_to().
    """
    return [group_name("user", user.pk)]
