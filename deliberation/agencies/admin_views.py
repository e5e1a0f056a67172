"""Back-office screens: the platform admin's agency register and each agency's settings.

Another agency's back office is "not found" (404) for an agency admin, never its data."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import dashboard
from .errors import SlugTaken
from .forms import AgencySettingsForm, NewAgencyForm
from .permissions import can_administer, is_platform_admin
from .selectors import all_agencies
from .services import register_agency, update_agency_settings
from .sites import site_reverse, site_view


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def agency_settings(request):
    if not can_administer(request.user, request.site):
        raise Http404
    form = AgencySettingsForm(request.POST or None, instance=request.site)
    if request.method == "POST" and form.is_valid():
        update_agency_settings(agency=request.site, **{f: form.cleaned_data[f] for f in form.changed_data})
        messages.success(request, _("Settings saved."))
        return redirect(site_reverse(request.site, "manage_settings"))
    return render(request, "agencies/manage_settings.html", {"form": form})


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


@login_required
@require_http_methods(["GET", "POST"])
def platform_agencies(request):
    if not is_platform_admin(request.user):
        raise PermissionDenied
    form = NewAgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agency = register_agency(
                name=data["name"], slug=data["slug"], primary_colour=data["primary_colour"],
                banner_text=data["banner_text"], admin=data["admin_username"],
            )
        except SlugTaken as exc:
            form.add_error("slug", str(exc.message))
        else:
            messages.success(request, _("%(name)s is live at %(url)s.") % {
                "name": agency.name, "url": site_reverse(agency, "home")})
            return redirect("platform:agencies")
    return render(request, "agencies/platform_agencies.html", {"form": form, "agencies": all_agencies()})
