"""The platform admin's back office (전체관리자): the agency register (add, suspend, restore),
base settings and the password policy, the integrations overview. Platform admins only
(anyone else signed in: 403). Each agency's own settings screens are in settings_views.py."""

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from deliberation.errors import DomainError

from . import platform_services
from .errors import SlugTaken
from .forms import NewAgencyForm, PlatformSettingsForm
from .models import PlatformSettings
from .permissions import is_platform_admin
from .selectors import all_agencies
from .services import register_agency
from .sites import site_reverse


def _require_platform_admin(request) -> None:
    if not is_platform_admin(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def platform_agencies(request):
    _require_platform_admin(request)
    if request.method == "POST" and request.POST.get("action") in ("suspend", "restore"):
        try:
            agency = platform_services.set_agency_active(
                actor=request.user, agency_id=request.POST.get("agency"), active=request.POST["action"] == "restore")
        except DomainError as exc:
            if exc.http_status == 404:
                raise Http404 from None
            messages.error(request, str(exc.message))
        else:
            messages.success(request, (_("%(name)s's site is open again.") if agency.is_active
                                       else _("%(name)s's site is closed; its data is kept.")) % {"name": agency.name})
        return redirect("platform:agencies")
    form = NewAgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agency = register_agency(
                name=data["name"], slug=data["slug"], primary_colour=data["primary_colour"],
                banner_text=data["banner_text"], admin=data["admin_username"], actor=request.user,
            )
        except SlugTaken as exc:
            form.add_error("slug", str(exc.message))
        else:
            messages.success(request, _("%(name)s is live at %(url)s.") % {
                "name": agency.name, "url": site_reverse(agency, "home")})
            return redirect("platform:agencies")
    return render(request, "agencies/platform_agencies.html", {"form": form, "agencies": all_agencies()})


@login_required
@require_http_methods(["GET", "POST"])
def platform_settings(request):
    """Base settings (a single row) and, read-only, the password and sign-in policy, which
    comes from the environment (project/settings.py)."""
    _require_platform_admin(request)
    form = PlatformSettingsForm(request.POST or None, instance=PlatformSettings.load())
    if request.method == "POST" and form.is_valid():
        try:
            platform_services.update_platform_settings(
                actor=request.user, **{name: form.cleaned_data[name] for name in form.Meta.fields})
        except platform_services.PlatformError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Settings saved."))
            return redirect("platform:settings")
    return render(request, "agencies/platform_settings.html", {
        "form": form,
        "password_rules": password_validators_help_texts(),
        "reset_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        "social_providers": sorted(getattr(settings, "SOCIALACCOUNT_PROVIDERS", {}) or {}),
    })


def _statistics_url() -> str | None:
    try:
        return reverse("city:manage_statistics")
    except NoReverseMatch:
        return None


@login_required
@require_GET
def platform_integrations(request):
    """Agencies and, when the integrations app is installed, their API keys."""
    _require_platform_admin(request)
    agencies = list(all_agencies())
    keys_by_agency: dict[int, list] = {}
    has_integrations = apps.is_installed("deliberation.integrations")
    if has_integrations:
        model = next((m for m in apps.get_app_config("integrations").get_models() if m.__name__ == "ApiKey"), None)
        if model is not None and any(f.name == "agency" for f in model._meta.fields):
            for key in model.objects.all().order_by("pk"):
                keys_by_agency.setdefault(key.agency_id, []).append(key)
    rows = [(agency, keys_by_agency.get(agency.pk, [])) for agency in agencies]
    return render(request, "agencies/platform_integrations.html", {
        "rows": rows, "has_integrations": has_integrations, "statistics_url": _statistics_url(),
    })
