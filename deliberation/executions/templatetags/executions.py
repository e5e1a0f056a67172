"""Template tags that let the proposal and debate pages link to their execution item without
their views knowing about execution tracking."""

from django import template

from ..selectors import has_published_results, is_adopted, item_of_source, public_item_of

register = template.Library()


@register.simple_tag
def public_execution_item(proposal=None, debate=None):
    """{% public_execution_item proposal=proposal as execution %}: the public item, or None."""
    if proposal is None and debate is None:
        return None
    return public_item_of(proposal=proposal, debate=debate)


@register.simple_tag
def execution_tracking(proposal=None, debate=None) -> dict:
    """For the back office's "Track execution" button: the existing item (public or not), and
    whether the source may be tracked now."""
    source = {"proposal": proposal} if proposal is not None else {"debate": debate}
    item = item_of_source(**source)
    if item is not None:
        return {"item": item, "trackable": False}
    trackable = is_adopted(proposal) if proposal is not None else has_published_results(debate)
    return {"item": None, "trackable": trackable}
