from django.db.models import QuerySet

from deliberation.agencies.models import Agency

from .models import Proposal


def proposals_for_site(*, site: Agency) -> QuerySet[Proposal]:
    """Cross-listing: an agency's proposals show on its own site and on the city's; the
    city's site lists every agency's proposals (the city-wide archive)."""
    qs = Proposal.objects.select_related("agency", "author")
    return qs if site.is_city else qs.filter(agency=site)
