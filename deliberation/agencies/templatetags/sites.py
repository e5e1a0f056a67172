from django import template

from ..sites import site_reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def site_url(context, name, site=None, **kwargs):
    """{% site_url "debate_detail" pk=debate.pk %} on the current site (or `site=`)."""
    return site_reverse(site or context["current_agency"], name, **kwargs)
