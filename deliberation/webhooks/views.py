"""The webhooks screen of an agency's back office, `manage/integrations/webhooks/`: its
admins (and the platform admin) only; everyone else gets 404. Views select, validate, call a
service and map its errors; the signing secret is shown once, in the reply to the POST that
made it, and never stored in a message or a session."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from deliberation.agencies.permissions import can_administer
from deliberation.agencies.sites import site_reverse, site_view
from deliberation.errors import DomainError, NotFound

from . import selectors, services
from .errors import InvalidEndpoint
from .forms import EndpointEditForm, EndpointForm
from .models import DeliveryStatus


def _require_admin(request):
    if not can_administer(request.user, request.site):
        raise Http404


def _endpoint_or_404(request, pk):
    try:
        return selectors.endpoint_of(site=request.site, pk=pk)
    except NotFound:
        raise Http404 from None


def _field_errors(form, exc: InvalidEndpoint):
    for field, problems in exc.errors.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, str(problem))


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def endpoint_list(request):
    _require_admin(request)
    form = EndpointForm(request.POST or None)
    secret = endpoint = None
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.register_endpoint(actor=request.user, agency=request.site, **form.cleaned_data)
        except InvalidEndpoint as exc:
            _field_errors(form, exc)
        else:
            form = EndpointForm()
    return render(request, "webhooks/manage/list.html", {
        "form": form, "endpoints": selectors.endpoints_of(site=request.site), "new_secret": secret,
        "new_endpoint": endpoint,
    })


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def endpoint_detail(request, pk):
    _require_admin(request)
    endpoint = _endpoint_or_404(request, pk)
    initial = {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events,
               "is_enabled": endpoint.is_enabled}
    form = EndpointEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(actor=request.user, agency=request.site, endpoint_id=endpoint.pk, **form.cleaned_data)
        except InvalidEndpoint as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect(site_reverse(request.site, "manage_webhook", pk=endpoint.pk))
    return _detail(request, endpoint, form)


def _detail(request, endpoint, form, *, new_secret=None):
    status = request.GET.get("status", "")
    log = Paginator(selectors.delivery_log(endpoint=endpoint, status=status), 30).get_page(request.GET.get("page"))
    return render(request, "webhooks/manage/detail.html", {
        "endpoint": endpoint, "form": form, "log": log, "status": status, "statuses": DeliveryStatus.choices,
        "new_secret": new_secret,
    })


@login_required
@require_POST
@site_view
def endpoint_rotate(request, pk):
    _require_admin(request)
    try:
        endpoint, secret = services.rotate_secret(actor=request.user, agency=request.site, endpoint_id=pk)
    except NotFound:
        raise Http404 from None
    form = EndpointEditForm(initial={"url": endpoint.url, "description": endpoint.description,
                                     "events": endpoint.events, "is_enabled": endpoint.is_enabled})
    return _detail(request, endpoint, form, new_secret=secret)


@login_required
@require_POST
@site_view
def endpoint_delete(request, pk):
    _require_admin(request)
    try:
        services.delete_endpoint(actor=request.user, agency=request.site, endpoint_id=pk)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Endpoint deleted. Its audit entries stay in the audit log."))
    return redirect(site_reverse(request.site, "manage_webhooks"))


@login_required
@require_POST
@site_view
def delivery_replay(request, pk, delivery_pk):
    _require_admin(request)
    try:
        services.replay_delivery(actor=request.user, agency=request.site, endpoint_id=pk, delivery_id=delivery_pk)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The delivery is queued and will be sent again within seconds."))
    return redirect(site_reverse(request.site, "manage_webhook", pk=pk))
