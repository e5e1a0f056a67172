"""When an account's sessions end, say so (deliberation/announcements.py), so that its open
live connections close too: on logout (Django's `user_logged_out`) and when the account is
deactivated (`is_active` set to False, by the admin or any save). A queryset `update()`
bypasses this; deactivate accounts through a save."""

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import pre_save

from deliberation.announcements import SessionEnd, announce_sessions_ended


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None and user.pk is not None:
        announce_sessions_ended(user_id=user.pk, reason=SessionEnd.SIGNED_OUT)


def on_user_saved(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance.pk is None or instance.is_active:
        return
    # Only the change from active to inactive ends the sessions (one query, on such saves only).
    if sender._default_manager.filter(pk=instance.pk, is_active=True).exists():
        announce_sessions_ended(user_id=instance.pk, reason=SessionEnd.SUSPENDED)


def connect() -> None:
    from django.contrib.auth import get_user_model

    user_logged_out.connect(on_logged_out, dispatch_uid="accounts.sessions.logged_out")
    pre_save.connect(on_user_saved, sender=get_user_model(), dispatch_uid="accounts.sessions.deactivated")
