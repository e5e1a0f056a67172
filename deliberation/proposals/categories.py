"""Which policy categories and themes a site offers.

Policy categories stay one fixed list (`PolicyCategory`, the city's 정책분류), so filters,
exports and the open API keep one vocabulary; each agency picks the ones its site offers
(`Agency.policy_categories`, empty = all). Task categories (업무분류) are the agency's own rows
(`agencies.TaskCategory`), stored by name in `Proposal.task_category`."""

from deliberation.agencies.models import Agency, HiddenTheme

from .models import PolicyCategory, Theme


def policy_categories_for(agency: Agency) -> list[tuple[str, str]]:
    offered = set(agency.policy_categories or [])
    return [(value, label) for value, label in PolicyCategory.choices if not offered or value in offered]


def visible_themes(*, site: Agency, limit: int = 30):
    """Themes of the proposals listed on the site, minus those the site's admin hid."""
    from .selectors import proposals_for_site

    listed = proposals_for_site(site=site).values("pk")
    hidden = HiddenTheme.objects.filter(agency=site).values("theme_id")
    return Theme.objects.filter(proposals__in=listed).exclude(pk__in=hidden).distinct().order_by("name")[:limit]
