"""Citizen pages for proposals: list, submit, detail with support and comments.

Every form works without JavaScript; the support button also has a JSON endpoint that the
page script uses to stay on the page."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliberation.agencies.selectors import all_agencies
from deliberation.agencies.sites import site_reverse, site_view
from deliberation.comments import selectors as comment_selectors
from deliberation.comments import views as comment_views
from deliberation.comments.forms import CommentForm
from deliberation.errors import DomainError, ErrorCode, NotFound
from deliberation.http import domain_error_response, error_response
from deliberation.http import rate_limit

from . import selectors, services
from .districts import District
from .errors import InvalidProposal
from .forms import ProposalForm
from .categories import policy_categories_for, visible_themes

PAGE_SIZE = 12


def _proposal_or_404(request, pk):
    try:
        return selectors.proposal_on_site(site=request.site, pk=pk, user=request.user)
    except NotFound:
        raise Http404 from None


def _ws_path(site, suffix: str) -> str:
    return f"/ws/{suffix}" if site.is_city else f"/ws/a/{site.slug}/{suffix}"


def _visitor_key(request) -> str:
    if request.user.is_authenticated:
        return f"u{request.user.pk}"
    # Anonymous visitors are told apart without a session row: a keyed hash of address and
    # browser, never stored.
    raw = f"{request.META.get('REMOTE_ADDR', '')}|{request.META.get('HTTP_USER_AGENT', '')[:200]}"
    return hashlib.blake2b(raw.encode(), key=settings.SECRET_KEY.encode()[:64], digest_size=12).hexdigest()


@require_GET
@site_view
def proposal_list(request):
    filters = selectors.ListFilters.from_query(request.GET)
    page = Paginator(selectors.listed_proposals(site=request.site, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "proposals/list.html", {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "categories": policy_categories_for(request.site),
        "districts": District.choices,
        "agencies": all_agencies().filter(is_active=True) if request.site.is_city else [],
        "themes": visible_themes(site=request.site),
        "sorts": [("newest", _("Newest")), ("supports", _("Most supported")), ("active", _("Recently active"))],
        "ws_path": _ws_path(request.site, "proposals/"),
    })


@login_required
@require_http_methods(["GET", "POST"])
@site_view
@rate_limit("proposal")
def proposal_new(request):
    form = ProposalForm(request.POST or None, site=request.site)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = services.file_proposal(
                agency=data["agency"], author=request.user, title=data["title"], body=data["body"],
                policy_category=data["policy_category"], district=data["district"], themes=data["themes"],
            )
        except InvalidProposal as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your proposal has been published."))
            return redirect(site_reverse(request.site, "proposal_detail", pk=proposal.pk))
    status = 400 if form.errors else 200
    return render(request, "proposals/new.html", {"form": form}, status=status)


COMMENT_URLS = {"post": "proposal_comment", "edit": "proposal_comment_edit",
                "delete": "proposal_comment_delete", "report": "proposal_comment_report"}


def _detail_context(request, proposal, **extra):
    return {
        "proposal": proposal,
        "comment_target": proposal,
        "comment_urls": COMMENT_URLS,
        "comments_open": proposal.is_listed,
        "supported": selectors.has_supported(proposal=proposal, user=request.user),
        "answers": selectors.approved_answers(proposal=proposal),
        "comments": comment_selectors.thread(proposal=proposal, viewer=request.user),
        "comment_form": CommentForm(),
        "ws_path": _ws_path(request.site, f"proposals/{proposal.pk}/"),
        **extra,
    }


@require_GET
@site_view
def proposal_detail(request, pk):
    proposal = _proposal_or_404(request, pk)
    if services.record_view(proposal=proposal, visitor_key=_visitor_key(request)):
        proposal.view_count += 1
    return render(request, "proposals/detail.html", _detail_context(request, proposal))


@require_POST
@site_view
@rate_limit("support")
def proposal_support(request, pk):
    """The support button as a form post: support, or withdraw when `withdraw` is sent."""
    proposal = _proposal_or_404(request, pk)
    detail = site_reverse(request.site, "proposal_detail", pk=proposal.pk)
    if not request.user.is_authenticated:
        return redirect_to_login(detail)
    try:
        if request.POST.get("withdraw"):
            services.withdraw_support(proposal_id=proposal.pk, citizen=request.user)
            messages.success(request, _("Your support has been withdrawn."))
        else:
            services.support(proposal_id=proposal.pk, citizen=request.user)
            messages.success(request, _("You support this proposal."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(detail)


def _support_json(request, pk, *, withdraw: bool):
    # The hot path of a threshold rush: the service checks the site and the period on the
    # locked row, so the view reads nothing first.
    try:
        if not request.user.is_authenticated:
            return error_response(ErrorCode.NOT_AUTHENTICATED, _("Log in to support a proposal."), 401)
        if withdraw:
            proposal = services.withdraw_support(proposal_id=pk, citizen=request.user, site=request.site)
        else:
            proposal = services.support(proposal_id=pk, citizen=request.user, site=request.site)
    except DomainError as exc:
        return domain_error_response(exc)
    return JsonResponse({"supported": not withdraw, "supports": proposal.support_count},
                        status=200 if withdraw else 201)


@require_POST
@site_view
@rate_limit("support", json=True)
def proposal_support_json(request, pk):
    return _support_json(request, pk, withdraw=False)


@require_POST
@site_view
@rate_limit("support", json=True)
def proposal_withdraw_json(request, pk):
    return _support_json(request, pk, withdraw=True)


def _thread(request, pk) -> comment_views.Thread:
    proposal = _proposal_or_404(request, pk)
    return comment_views.Thread(
        target=proposal, detail_url=site_reverse(request.site, "proposal_detail", pk=proposal.pk),
        render_with_form=lambda form: render(
            request, "proposals/detail.html", _detail_context(request, proposal, comment_form=form), status=400),
    )


@require_POST
@site_view
@rate_limit("comment")
def comment_post(request, pk):
    return comment_views.post(request, _thread(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def comment_edit(request, pk, comment_pk):
    return comment_views.edit(request, _thread(request, pk), comment_pk)


@login_required
@require_POST
@site_view
def comment_delete(request, pk, comment_pk):
    return comment_views.delete(request, _thread(request, pk), comment_pk)


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def comment_report(request, pk, comment_pk):
    return comment_views.report(request, _thread(request, pk), comment_pk)
