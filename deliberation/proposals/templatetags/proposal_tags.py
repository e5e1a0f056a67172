from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def dday(closes_at) -> str:
    """'D-17' while days remain, 'D-day' on the last day, 'closed' after (the page script
    keeps it ticking)."""
    left = closes_at - timezone.now()
    if left.total_seconds() <= 0:
        return _("closed")
    return f"D-{left.days}" if left.days >= 1 else "D-day"
