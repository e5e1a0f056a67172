from django.shortcuts import render
from django.views.decorators.http import require_GET

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
            "debates": public_debates(site=request.site)[:6],
            "proposals": listed_proposals(site=request.site)[:6],
        },
    )
