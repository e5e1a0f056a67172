"""Citizen pages: the execution board (실행) of a site, an item with its timeline, updates and
materials, the follow button, and the items a citizen follows."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from deliberation.agencies.selectors import all_agencies
from deliberation.agencies.sites import site_reverse, site_view
from deliberation.errors import DomainError, NotFound

from . import selectors, services
from .models import ExecutionStatus


def _item_or_404(request, pk):
    try:
        return selectors.item_on_site(site=request.site, pk=pk, user=request.user)
    except NotFound:
        raise Http404 from None


@require_GET
@site_view
def board(request):
    filters = selectors.BoardFilters.from_query(request.GET)
    page = Paginator(selectors.public_items(site=request.site, filters=filters), selectors.BOARD_PAGE_SIZE).get_page(
        request.GET.get("page"))
    counts = selectors.board_status_counts(site=request.site)
    return render(request, "executions/list.html", {
        "page": page, "filters": filters,
        "statuses": [(value, label, counts[value]) for value, label in ExecutionStatus.choices],
        "agencies": all_agencies().filter(is_active=True) if request.site.is_city else [],
    })


@require_GET
@site_view
def item_page(request, pk):
    item = _item_or_404(request, pk)
    user = request.user
    return render(request, "executions/detail.html", {
        "item": item, "timeline": selectors.timeline(item=item), "materials": item.materials.all(),
        "source_visible": selectors.source_is_visible(item),
        "following": selectors.is_following(item=item, user=user),
        "may_follow": selectors.took_part(item=item, user=user),
    })


@require_POST
@site_view
def follow(request, pk):
    item = _item_or_404(request, pk)
    page = site_reverse(request.site, "execution_detail", pk=item.pk)
    if not request.user.is_authenticated:
        return redirect_to_login(page)
    try:
        if request.POST.get("unfollow"):
            services.unfollow(item=item, citizen=request.user)
            messages.success(request, _("You no longer follow this item."))
        else:
            services.follow(item=item, citizen=request.user)
            messages.success(request, _("You follow this item: it is listed under \"Items I follow\"."))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(page)


@login_required
@require_GET
@site_view
def following(request):
    return render(request, "executions/following.html", {
        "items": selectors.followed_items(site=request.site, user=request.user),
    })
