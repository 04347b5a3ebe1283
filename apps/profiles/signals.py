"""What profiles tell the apps above them, which it never imports (docs/architecture.md).

The directory decides whether the accounts it brings are active, unless an administrator
decided by hand; it sits above profiles in the layer order. So the activation service
(apps/profiles/activation.py) sends this signal inside its own transaction, and the
directory connects its receiver when its app is ready (apps/directory/services/accounts.py).
A receiver's error rolls the (de)activation back.

account_activation_set(sender=User, user_ids=[...], active=bool, by_directory=bool, actor=...)
    Sent whenever accounts are activated or deactivated, changed or not, once is_active is
    written: by a person (the profile page, the Django admin: by_directory False, actor
    the administrator) or by a directory run (by_directory True, actor None)."""

from django.dispatch import Signal

account_activation_set = Signal()
