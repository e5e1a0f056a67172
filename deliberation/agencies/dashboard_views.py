"""The live dashboard page (알림판) of one site: its admins and the platform admin only."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import dashboard
from .sites import site_view


@login_required
@require_GET
@site_view
def live_dashboard(request):
    """The live dashboard (알림판): numbers rendered now, then kept live by dashboard.js over
    the site's dashboard socket (people connected arrives with the first frame)."""
    if not dashboard.can_view_dashboard(request.user, request.site):
        raise Http404
    ws_path = "/ws/dashboard/" if request.site.is_city else f"/ws/a/{request.site.slug}/dashboard/"
    return render(request, "agencies/live_dashboard.html", {
        "counters": dashboard.live_counters(site=request.site), "ws_path": ws_path,
    })
