"""The integrations screen (manage/integrations/) of each site: its agency admins create, name,
scope and revoke API keys. A new key's token is shown once, on the page that created it.
Anyone else gets 404, as in the rest of the back office."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from deliberation.agencies.permissions import can_administer
from deliberation.agencies.sites import site_reverse, site_view
from deliberation.errors import DomainError

from .forms import NewKeyForm
from .selectors import keys_of_agency
from .services import create_api_key, revoke_api_key

# The webhooks screen lives in its own app (deliberation/webhooks); linked only when installed.
WEBHOOKS_URL_NAME = "manage_webhooks"


def _webhooks_url(site):
    try:
        return site_reverse(site, WEBHOOKS_URL_NAME)
    except NoReverseMatch:
        return None


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def integrations(request):
    if not can_administer(request.user, request.site):
        raise Http404
    form = NewKeyForm(request.POST or None)
    token = None
    if request.method == "POST" and form.is_valid():
        try:
            key, token = create_api_key(agency=request.site, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            form = NewKeyForm()
    return render(request, "integrations/manage.html", {
        "form": form, "new_token": token, "keys": keys_of_agency(request.site),
        "webhooks_url": _webhooks_url(request.site),
        "api_docs_url": "/api/v1/docs",
    })


@login_required
@require_POST
@site_view
def revoke(request, key_pk):
    if not can_administer(request.user, request.site):
        raise Http404
    try:
        key = revoke_api_key(agency=request.site, actor=request.user, key_id=key_pk)
    except DomainError:
        raise Http404 from None
    messages.success(request, _("The key %(name)s is revoked: it no longer works.") % {"name": key.name})
    return redirect(site_reverse(request.site, "manage_integrations"))
