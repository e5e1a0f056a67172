"""Back-office pages for proposals (manage/proposals/ on every site): the admin list with its
tabs, filters, bulk actions and Excel export; a proposal's review; offline entry; the
department officers' queue and answer page; the dashboard; the audit log.

Who may see a page is checked here and answered with 404 (another agency's back office is
"not found", never "forbidden"); who may change a row is checked again by the services, which
refuse a city admin's change to a partner agency's proposal."""

import io

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliberation.agencies.models import Department, TaskCategory
from deliberation.agencies.permissions import can_administer
from deliberation.agencies.sites import site_reverse, site_view
from deliberation.audit.selectors import audit_log
from deliberation.errors import DomainError
from deliberation.http import add_domain_error
from deliberation.executions import audit_labels as execution_audit

from . import admin_services
from .admin_selectors import (
    PAGE_SIZE, Tab, admin_proposals, columns_for, dashboard, officer_queue, review_answers, row_values,
    tab_counts,
)
from .errors import InvalidProposal
from .forms_admin import (
    AnswerForm, AssignForm, BulkForm, DecideAnswerForm, FilterForm, OfflineProposalForm, ReassignmentForm,
    ResultForm, ReturnAnswerForm,
)
from .models import AnswerStatus, Decision, Proposal, Reassignment, ReviewResult
from .selectors import is_officer_of, officer_departments, proposals_for_site


def _require_admin(request) -> None:
    if not can_administer(request.user, request.site):
        raise Http404


def _filters(request):
    form = FilterForm(request.GET, site=request.site)
    form.is_valid()
    return form, form.filters()


# --- the list ------------------------------------------------------------------------------
@login_required
@require_GET
@site_view
def proposal_list(request):
    _require_admin(request)
    filter_form, filters = _filters(request)
    rows = admin_proposals(site=request.site, filters=filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = tab_counts(site=request.site, filters=filters)
    return render(request, "proposals/manage/list.html", {
        "is_admin": True, "filter_form": filter_form, "filters": filters, "page": page,
        "rows": [(proposal, row_values(proposal)) for proposal in page],
        "tabs": [(value, label, counts[value]) for value, label in Tab.CHOICES],
        "columns": columns_for(request.site), "bulk_form": BulkForm(proposals=Proposal.objects.none()),
    })


@login_required
@require_POST
@site_view
def proposal_bulk(request):
    _require_admin(request)
    form = BulkForm(request.POST, proposals=proposals_for_site(site=request.site))
    if form.is_valid():
        try:
            changed, refused = admin_services.apply_bulk_action(
                actor=request.user, proposal_ids=[p.pk for p in form.cleaned_data["proposals"]],
                action=form.cleaned_data["action"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Proposals changed: %(changed)d.") % {"changed": changed})
            if refused:
                messages.warning(request, _(
                    "Proposals not changed: %(refused)d. They belong to another agency, whose admins "
                    "decide on them.") % {"refused": refused})
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    back = QueryDict(request.POST.get("return_query", "")).urlencode()
    return redirect(site_reverse(request.site, "manage_proposals") + (f"?{back}" if back else ""))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@login_required
@require_GET
@site_view
def proposal_export(request):
    """The current tab and filters, every page, as an .xlsx file. Cells that look like a
    formula are written as text with Excel's quote prefix: they are never evaluated."""
    _require_admin(request)
    _form, filters = _filters(request)
    columns = columns_for(request.site)
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"strings_to_formulas": False, "in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet(_("Proposals")[:31])
    bold = book.add_format({"bold": True})
    as_text = book.add_format({"quote_prefix": True})
    as_date = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for col, column in enumerate(columns):
        sheet.write_string(0, col, str(column.label), bold)
    rows = admin_proposals(site=request.site, filters=filters)
    for row, proposal in enumerate(rows.iterator(chunk_size=500), start=1):
        values = row_values(proposal)
        for col, column in enumerate(columns):
            value = values[column.key]
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(row, col, value, as_text if value.startswith(FORMULA_STARTS) else None)
            elif hasattr(value, "tzinfo"):
                sheet.write_datetime(row, col, timezone.localtime(value), as_date)
            else:
                sheet.write_number(row, col, value)
    sheet.freeze_panes(1, 0)
    book.close()
    filename = f"proposals-{request.site.slug}-{timezone.localdate().isoformat()}.xlsx"
    response = HttpResponse(
        output.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- one proposal's review -----------------------------------------------------------------
def _proposal_on_admin_site(request, pk) -> Proposal:
    try:
        return proposals_for_site(site=request.site).select_related(
            "review__lead_department", "debate").get(pk=pk)
    except Proposal.DoesNotExist:
        raise Http404 from None


REVIEW_FORMS = {
    "assign": AssignForm, "approve": DecideAnswerForm, "return": ReturnAnswerForm, "result": ResultForm,
}


def _review_forms(proposal, review, data=None, action=None) -> dict:
    def make(name, **initial):
        form_class = REVIEW_FORMS[name]
        kwargs = {"agency": proposal.agency} if form_class is AssignForm else {}
        bound = data if name == action else None
        return form_class(bound, prefix=name, initial=initial, **kwargs)

    return {
        "assign": make("assign", department=review.lead_department_id),
        "approve": make("approve"),
        "return": make("return"),
        "result": make("result", result=review.result, is_decided=review.is_decided),
    }


def _run_review_action(actor, action, form, review):
    data = form.cleaned_data
    if action == "assign":
        admin_services.assign_lead_department(actor=actor, review_id=review.pk, department_id=data["department"].pk)
        return _("Lead department assigned.")
    if action == "approve":
        admin_services.approve_answer(actor=actor, answer_id=data["answer"])
        return _("Answer approved: citizens see it now.")
    if action == "return":
        admin_services.return_answer(actor=actor, answer_id=data["answer"], note=data["note"])
        return _("Answer sent back to the department.")
    admin_services.set_review_result(actor=actor, review_id=review.pk, result=data["result"],
                                     is_decided=data["is_decided"])
    return _("Review result saved.")


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def proposal_review(request, pk):
    _require_admin(request)
    proposal = _proposal_on_admin_site(request, pk)
    review = getattr(proposal, "review", None)
    action = request.POST.get("action") if request.method == "POST" else None
    if request.method == "POST" and (review is None or action not in REVIEW_FORMS):
        messages.error(request, _("This action is not available for this proposal."))
        return redirect(site_reverse(request.site, "manage_proposal_review", pk=proposal.pk))
    forms = _review_forms(proposal, review, request.POST, action) if review else {}
    if action and forms[action].is_valid():
        try:
            done = _run_review_action(request.user, action, forms[action], review)
        except DomainError as exc:
            add_domain_error(forms[action], exc)
        else:
            messages.success(request, done)
            return redirect(site_reverse(request.site, "manage_proposal_review", pk=proposal.pk))
    answers = list(review_answers(review=review)) if review else []
    return render(request, "proposals/manage/review.html", {
        "is_admin": True, "proposal": proposal, "review": review, "forms": forms, "answers": answers,
        "failed_form": forms.get(action),
        "waiting": next((a for a in reversed(answers) if a.status == AnswerStatus.SUBMITTED), None),
        "can_change": can_administer(request.user, proposal.agency),
        "task_categories": TaskCategory.objects.filter(agency=proposal.agency).order_by("name"),
        "is_overdue": review is not None and review.deadline < timezone.now()
        and not any(a.status == AnswerStatus.APPROVED for a in answers),
    }, status=400 if action and forms[action].errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def offline_proposal(request):
    _require_admin(request)
    form = OfflineProposalForm(request.POST or None, agency=request.site)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = admin_services.file_offline_proposal(actor=request.user, agency=request.site, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Offline proposal no. %(number)d entered.") % {"number": proposal.pk})
            return redirect(site_reverse(request.site, "manage_proposal_review", pk=proposal.pk))
    return render(request, "proposals/manage/offline.html", {"is_admin": True, "form": form})


# --- department officers -------------------------------------------------------------------
def _require_officer_or_admin(request) -> None:
    if not (can_administer(request.user, request.site) or officer_departments(request.user, request.site).exists()):
        raise Http404


@login_required
@require_GET
@site_view
def officer_queue_view(request):
    _require_officer_or_admin(request)
    return render(request, "proposals/manage/officer_queue.html", {
        "is_admin": can_administer(request.user, request.site),
        "reviews": officer_queue(user=request.user, site=request.site),
    })


OFFICER_FORMS = {"answer": AnswerForm, "reassign": ReassignmentForm}


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def officer_answer(request, pk):
    try:
        proposal = Proposal.objects.select_related("review__lead_department").get(
            pk=pk, agency=request.site, review__isnull=False)
    except Proposal.DoesNotExist:
        raise Http404 from None
    review = proposal.review
    is_lead_officer = is_officer_of(request.user, request.site, review.lead_department_id)
    if not (is_lead_officer or can_administer(request.user, request.site)):
        raise Http404
    action = request.POST.get("action") if request.method == "POST" else None
    if request.method == "POST" and action not in OFFICER_FORMS:
        messages.error(request, _("This action is not available for this proposal."))
        return redirect(site_reverse(request.site, "manage_officer_answer", pk=proposal.pk))
    forms = {name: form_class(request.POST if name == action else None, prefix=name)
             for name, form_class in OFFICER_FORMS.items()}
    if action and forms[action].is_valid():
        data = forms[action].cleaned_data
        try:
            if action == "answer":
                admin_services.submit_answer(actor=request.user, review_id=review.pk, body=data["body"],
                                             decision=data["decision"])
            else:
                admin_services.request_reassignment(actor=request.user, review_id=review.pk, reason=data["reason"])
        except DomainError as exc:
            add_domain_error(forms[action], exc)
        else:
            messages.success(request, _("Answer sent: it waits for the admin's approval.") if action == "answer"
                             else _("Reassignment requested: the admin decides."))
            return redirect(site_reverse(request.site, "manage_officer_queue"))
    answers = list(review_answers(review=review))
    return render(request, "proposals/manage/officer_answer.html", {
        "proposal": proposal, "review": review, "answers": answers, "forms": forms,
        "failed_form": forms.get(action),
        "is_lead_officer": is_lead_officer, "is_admin": can_administer(request.user, request.site),
        "needs_answer": not answers or answers[-1].status == AnswerStatus.RETURNED,
    }, status=400 if action and forms[action].errors else 200)


# --- dashboard and audit log ---------------------------------------------------------------
@login_required
@require_GET
@site_view
def dashboard_view(request):
    _require_admin(request)
    return render(request, "proposals/manage/dashboard.html", {"is_admin": True, "board": dashboard(site=request.site)})


ACTION_LABELS = {
    "proposal.offline_filed": gettext_lazy("Offline proposal entered"),
    "proposal.review_started": gettext_lazy("Review started (answer threshold reached)"),
    "proposal.promoted": gettext_lazy("Promoted to a debate"),
    "proposal.failed": gettext_lazy("Failed the vote"),
    "proposal.make_public": gettext_lazy("Made public"),
    "proposal.make_private": gettext_lazy("Made private"),
    "proposal.trash": gettext_lazy("Moved to the trash"),
    "proposal.restore": gettext_lazy("Restored from the trash"),
    "proposal.mark_good": gettext_lazy("Marked as good proposal"),
    "proposal.unmark_good": gettext_lazy("Good-proposal mark removed"),
    "review.assigned": gettext_lazy("Lead department assigned"),
    "review.reassignment_requested": gettext_lazy("Reassignment requested"),
    "review.result_set": gettext_lazy("Review result set"),
    "answer.submitted": gettext_lazy("Department answer sent"),
    "answer.approved": gettext_lazy("Department answer approved"),
    "answer.returned": gettext_lazy("Department answer sent back"),
}
FIELD_LABELS = {
    "is_public": (gettext_lazy("Public"), None),
    "trashed_at": (gettext_lazy("In the trash since"), None),
    "is_good": (gettext_lazy("Good proposal"), None),
    "lead_department": (gettext_lazy("Lead department"), None),
    "reassignment": (gettext_lazy("Reassignment"), Reassignment),
    "reassignment_reason": (gettext_lazy("Reason for reassignment"), None),
    "result": (gettext_lazy("Review result"), ReviewResult),
    "is_decided": (gettext_lazy("Decided proposal"), None),
    "status": (gettext_lazy("Admin approval"), AnswerStatus),
    "decision": (gettext_lazy("Department decision"), Decision),
    "note": (gettext_lazy("Why it was sent back"), None),
    "answer": (gettext_lazy("Answer no."), None),
    "support_count": (gettext_lazy("Supports"), None),
    "deadline": (gettext_lazy("Review deadline"), None),
    "debate": (gettext_lazy("Debate no."), None),
    "failed_at": (gettext_lazy("Failed the vote"), None),
    "offline_source": (gettext_lazy("Where it was collected"), None),
    "offline_author_name": (gettext_lazy("Proposer's name"), None),
}

ACTION_LABELS.update(execution_audit.ACTION_LABELS)
FIELD_LABELS.update(execution_audit.FIELD_LABELS)

DATE_FIELDS = {"trashed_at", "deadline", "failed_at"}


def _audit_value(key, value, departments):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "lead_department":
        return departments.get(value, value)
    if key in DATE_FIELDS and isinstance(value, str) and (moment := parse_datetime(value)):
        return date_format(timezone.localtime(moment), "Y-m-d H:i")
    choices = FIELD_LABELS.get(key, (None, None))[1]
    if choices is not None and value in choices.values:
        return choices(value).label
    return value


def _audit_rows(entries) -> list:
    """Each entry with its action's label and its changed fields as (label, before, after);
    department ids become names with one query for the page."""
    ids = {e.get("lead_department") for entry in entries for e in (entry.before, entry.after)} - {None}
    departments = dict(Department.objects.filter(pk__in=ids).values_list("pk", "name"))
    rows = []
    for entry in entries:
        keys = [k for k in {**entry.before, **entry.after} if entry.before.get(k) != entry.after.get(k)]
        changes = [
            (FIELD_LABELS.get(k, (k, None))[0], _audit_value(k, entry.before.get(k), departments),
             _audit_value(k, entry.after.get(k), departments))
            for k in keys
        ]
        rows.append((entry, ACTION_LABELS.get(entry.action, entry.action), changes))
    return rows


@login_required
@require_GET
@site_view
def audit_log_view(request):
    _require_admin(request)
    page = Paginator(audit_log(agency=request.site), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "proposals/manage/audit_log.html", {
        "is_admin": True, "page": page, "entries": _audit_rows(list(page)),
    })


@login_required
@require_POST
@site_view
def proposal_task_category(request, pk):
    """Files the proposal under one of the agency's task categories (from the review page)."""
    _require_admin(request)
    proposal = _proposal_on_admin_site(request, pk)
    try:
        admin_services.set_task_category(actor=request.user, proposal_id=proposal.pk,
                                         name=request.POST.get("task_category", ""))
    except InvalidProposal as exc:
        messages.error(request, " ".join(str(m) for messages_ in exc.errors.values() for m in messages_))
    except DomainError as exc:
        if exc.http_status == 404 or exc.http_status == 403:
            raise Http404 from None
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Task category saved."))
    return redirect(site_reverse(request.site, "manage_proposal_review", pk=proposal.pk))
