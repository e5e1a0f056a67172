from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliberation.agencies.sites import site_reverse, site_view
from deliberation.comments import selectors as comment_selectors
from deliberation.comments import views as comment_views
from deliberation.comments.forms import CommentForm
from deliberation.errors import DomainError, ErrorCode, NotFound
from deliberation.http import domain_error_response, error_response, json_body
from deliberation.http import rate_limit
from deliberation.ids import row_id

from . import facilitation, selectors, services
from .models import Entry, Status, VoteType


def _debate_or_404(request, pk):
    try:
        return selectors.debate_on_site(site=request.site, pk=pk)
    except NotFound:
        raise Http404 from None


def _detail_context(request, debate, *, error=None):
    state = selectors.debate_live_state(debate.pk)
    ws_path = (
        f"/ws/debates/{debate.pk}/" if request.site.is_city
        else f"/ws/a/{request.site.slug}/debates/{debate.pk}/"
    )
    return {
        "debate": debate,
        "state": state,
        "my_ballot": selectors.ballot_of(debate=debate, citizen=request.user),
        "is_open": selectors.is_open(debate),
        "ws_path": ws_path,
        "error": error,
        "materials": debate.materials.all(),
        "similar": debate.similar_proposals.filter(is_public=True, trashed_at__isnull=True).select_related("agency"),
        "source": getattr(debate, "source_proposal", None),
        "comments": comment_selectors.thread(debate=debate, viewer=request.user),
        "comment_count": debate.comments.visible().count(),
        "comment_form": CommentForm(),
        "comment_target": debate,
        "comment_urls": COMMENT_URLS,
        "comments_open": True,
        "can_facilitate": facilitation.can_facilitate(request.user, debate.agency),
    }


def _form_answers(post) -> dict:
    """Research answers from a form: one field per question, named q<question id>."""
    return {name[1:]: post.getlist(name) for name in post if name[:1] == "q" and row_id(name[1:]) is not None}


@require_POST
@site_view
@rate_limit("comment")
def opinion_post(request, pk):
    debate = _debate_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(site_reverse(request.site, "debate_detail", pk=debate.pk))
    try:
        services.post_opinion(debate_id=debate.pk, author=request.user, body=request.POST.get("body", ""))
    except DomainError as exc:
        context = _detail_context(request, debate, error=exc)
        context["opinion_draft"] = request.POST.get("body", "")
        return render(request, "debates/detail.html", context, status=exc.http_status)
    messages.success(request, _("Your opinion has been posted."))
    return redirect(site_reverse(request.site, "debate_detail", pk=debate.pk))


@require_POST
@site_view
@rate_limit("support")
def opinion_support(request, pk, opinion_pk):
    debate = _debate_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(site_reverse(request.site, "debate_detail", pk=debate.pk))
    try:
        services.support_opinion(debate_id=debate.pk, opinion_id=opinion_pk, citizen=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("You support this opinion."))
    return redirect(site_reverse(request.site, "debate_detail", pk=debate.pk) + f"#opinion-{opinion_pk}")


@require_GET
@site_view
def debate_list(request):
    vote_type, state, entry = request.GET.get("type", ""), request.GET.get("state", ""), request.GET.get("entry", "")
    debates = selectors.filtered_debates(site=request.site, vote_type=vote_type, state=state, entry=entry)
    page = Paginator(debates, 12).get_page(request.GET.get("page"))
    summary = selectors.site_debate_summary(request.site.pk)["debates"]
    for debate in page.object_list:
        debate.participants = (summary.get(str(debate.pk)) or [None, None])[1]
    return render(request, "debates/list.html", {
        "ws_path": "/ws/debates/" if request.site.is_city else f"/ws/a/{request.site.slug}/debates/",
        "debates": page.object_list, "page": page, "vote_type": vote_type, "state": state, "entry": entry,
        "entries": Entry.choices,
        "vote_types": VoteType.choices,
        "states": [(s, label) for s, label in Status.choices if s != Status.DRAFT],
    })


@require_GET
@site_view
def debate_detail(request, pk):
    debate = _debate_or_404(request, pk)
    from deliberation.proposals.views import _visitor_key

    if services.record_view(debate=debate, visitor_key=_visitor_key(request)):
        debate.view_count += 1
    return render(request, "debates/detail.html", _detail_context(request, debate))


@require_POST
@site_view
@rate_limit("ballot")
def cast_ballot_form(request, pk):
    """The ballot as a plain form post: works without JavaScript."""
    debate = _debate_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(site_reverse(request.site, "debate_detail", pk=debate.pk))
    try:
        services.cast_ballot(
            debate=debate, citizen=request.user,
            option_id=request.POST.get("option"), other_text=request.POST.get("other_text", ""),
            choices=request.POST.getlist("choice"), answers=_form_answers(request.POST),
        )
    except DomainError as exc:
        context = _detail_context(request, debate, error=exc)
        return render(request, "debates/detail.html", context, status=exc.http_status)
    messages.success(request, _("Your ballot has been counted."))
    return redirect(site_reverse(request.site, "debate_detail", pk=debate.pk))


@require_POST
@site_view
@rate_limit("ballot", json=True)
def cast_ballot_json(request, pk):
    """POST {"option": <id>, "other_text": "..."} → 201 with the ballot, or an error object."""
    try:
        debate = selectors.debate_on_site(site=request.site, pk=pk)
        if not request.user.is_authenticated:
            return error_response(ErrorCode.NOT_AUTHENTICATED, _("Log in to vote."), 401)
        body = json_body(request)
        ballot = services.cast_ballot(
            debate=debate, citizen=request.user,
            option_id=body.get("option"), other_text=body.get("other_text") or "",
            choices=body.get("choices"), answers=body.get("answers"),
        )
    except DomainError as exc:
        return domain_error_response(exc)
    return JsonResponse(
        {"ballot": {"id": ballot.id, "debate": debate.id, "option": ballot.option_id,
                    "cast_at": ballot.cast_at.isoformat()}},
        status=201,
    )


# --- comments on a debate ("토론에 참여해 주세요") ------------------------------------------
COMMENT_URLS = {"post": "debate_comment", "edit": "debate_comment_edit",
                "delete": "debate_comment_delete", "report": "debate_comment_report"}


def _thread(request, pk) -> comment_views.Thread:
    debate = _debate_or_404(request, pk)

    def render_with_form(form):
        context = _detail_context(request, debate)
        context["comment_form"] = form
        return render(request, "debates/detail.html", context, status=400)

    return comment_views.Thread(
        target=debate, detail_url=site_reverse(request.site, "debate_detail", pk=debate.pk),
        render_with_form=render_with_form,
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
