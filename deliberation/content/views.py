"""Citizen pages of site content on every site: notices, FAQ, the Q&A board (ask, edit or
delete one's own question while it waits), the events calendar by month, participation
events, terms, privacy and the participating agencies."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliberation.agencies.selectors import city, participating_agencies
from deliberation.agencies.sites import site_reverse, site_view
from deliberation.errors import DomainError, NotFound

from . import selectors, services
from .errors import InvalidContent
from .forms import QuestionForm
from .models import PageKind

PAGE_SIZE = 20


def _found(read, **kwargs):
    try:
        return read(**kwargs)
    except NotFound:
        raise Http404 from None


def _add_error(form, exc: DomainError) -> None:
    if isinstance(exc, InvalidContent):
        for field, errors in exc.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, str(error))
    else:
        form.add_error(None, str(exc.message))


@require_GET
@site_view
def notice_list(request):
    page = Paginator(selectors.public_notices(site=request.site), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "content/notices.html", {"page": page})


@require_GET
@site_view
def notice_detail(request, pk):
    return render(request, "content/notice.html", {"notice": _found(selectors.notice_on_site, site=request.site, pk=pk)})


@require_GET
@site_view
def faq(request):
    return render(request, "content/faq.html", {"groups": selectors.public_faq(site=request.site)})


@require_GET
@site_view
def qna_list(request):
    state = request.GET.get("state", "")
    state = state if state in ("waiting", "answered") else ""
    questions = selectors.board_questions(site=request.site, viewer=request.user, state=state)
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "content/qna.html", {"page": page, "state": state})


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def qna_ask(request):
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            question = services.ask_question(site=request.site, author=request.user, **form.cleaned_data)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Your question is posted. The agency will answer it here."))
            return redirect(site_reverse(request.site, "qna_detail", pk=question.pk))
    return render(request, "content/qna_form.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
@site_view
def qna_detail(request, pk):
    question = _found(selectors.question_on_site, site=request.site, pk=pk, viewer=request.user)
    own = request.user.is_authenticated and question.author_id == request.user.pk
    return render(request, "content/question.html", {"question": question, "own": own})


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def qna_edit(request, pk):
    question = _found(selectors.question_on_site, site=request.site, pk=pk, viewer=request.user)
    if question.author_id != request.user.pk:
        raise Http404
    initial = {"title": question.title, "body": question.body, "is_private": question.is_private}
    form = QuestionForm(request.POST or None, initial=initial)
    if question.answered_at is not None:
        form.add_error(None, _("This question has been answered, so it can no longer be changed or deleted."))
    elif request.method == "POST" and form.is_valid():
        try:
            services.edit_question(site=request.site, author=request.user, question_id=pk, **form.cleaned_data)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Your question is saved."))
            return redirect(site_reverse(request.site, "qna_detail", pk=pk))
    status = 409 if question.answered_at else (400 if form.errors else 200)
    return render(request, "content/qna_form.html", {"form": form, "question": question}, status=status)


@login_required
@require_POST
@site_view
def qna_delete(request, pk):
    # A question the requester may not read (another's private or hidden one) is "not found",
    # as on its page and its edit form, not "not yours": the answer must not tell it exists.
    _found(selectors.question_on_site, site=request.site, pk=pk, viewer=request.user)
    try:
        services.delete_question(site=request.site, author=request.user, question_id=pk)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(site_reverse(request.site, "qna_detail", pk=pk))
    messages.success(request, _("Your question is deleted."))
    return redirect(site_reverse(request.site, "qna_list"))


@require_GET
@site_view
def event_list(request):
    month = selectors.Month.parse(request.GET.get("month"), timezone.localdate())
    events = list(selectors.events_in_month(site=request.site, month=month))
    return render(request, "content/events.html", {
        "month": month, "previous": month.shifted(-1), "next": month.shifted(1), "events": events,
        "month_start": month.first})


@require_GET
@site_view
def event_detail(request, pk):
    return render(request, "content/event.html", {"event": _found(selectors.event_on_site, site=request.site, pk=pk)})


@require_GET
@site_view
def participation_list(request):
    page = Paginator(selectors.public_participation_events(site=request.site), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "content/participation_list.html", {"page": page})


@require_GET
@site_view
def participation_detail(request, pk):
    event = _found(selectors.participation_event_on_site, site=request.site, pk=pk)
    return render(request, "content/participation.html", {"event": event})


def _page(request, kind):
    page, inherited = selectors.site_page(site=request.site, kind=kind)
    return render(request, "content/site_page.html", {
        "page": page, "inherited": inherited, "title": PageKind(kind).label})


@require_GET
@site_view
def terms(request):
    return _page(request, PageKind.TERMS)


@require_GET
@site_view
def privacy(request):
    return _page(request, PageKind.PRIVACY)


@require_GET
@site_view
def agency_list(request):
    return render(request, "content/agencies.html", {"city": city(), "agencies": participating_agencies()})
