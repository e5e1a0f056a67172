from django.shortcuts import render
from django.views.decorators.http import require_GET

from deliberation.content import selectors as content
from deliberation.debates.selectors import public_debates
from deliberation.proposals.selectors import listed_proposals

from .sites import site_view


@require_GET
@site_view
def site_home(request):
    return render(
        request,
        "agencies/home.html",
        {
            "counters": content.home_counters(site=request.site),
            "featured_debates": content.featured_debates(site=request.site),
            "debates": public_debates(site=request.site)[:6],
            "proposals": listed_proposals(site=request.site)[:6],
            "notices": content.public_notices(site=request.site)[:5],
            "events": content.upcoming_events(site=request.site),
        },
    )
