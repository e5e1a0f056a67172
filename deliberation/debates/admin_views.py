"""Back office for debates (manage/debates/ on every site): the admin list with its tabs,
filters, bulk actions and Excel export; the editor for each vote type; the results with the
agency's response and their export; similar proposals; debate materials. Also the older page
that publishes a draft debate (one promoted from a proposal) with its period."""

import io
from datetime import timedelta

import xlsxwriter
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliberation.agencies.permissions import can_administer
from deliberation.agencies.sites import site_reverse, site_view
from deliberation.errors import DomainError
from deliberation.http import add_domain_error
from deliberation.proposals.selectors import proposals_for_site

from . import admin_services, services
from .admin_selectors import (
    PAGE_SIZE, Tab, admin_debate, admin_debates, columns, debate_results, row_values, tab_counts, with_participants,
)
from .errors import InvalidDebate
from .forms_admin import (
    BulkForm, DebateForm, FilterForm, MaterialForm, ResultForm, SimilarProposalsForm, debate_initial,
    new_debate_initial,
)
from .models import Debate, VoteType


class PublishDebateForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    opens_at = forms.DateTimeField(label=gettext_lazy("Voting opens"),
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label=gettext_lazy("Voting closes"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


@login_required
@site_view
def publish_debate(request, pk):
    debate = Debate.objects.filter(pk=pk, agency=request.site, is_published=False).first()
    if debate is None or not can_administer(request.user, request.site):
        raise Http404
    now = timezone.localtime().replace(second=0, microsecond=0)
    initial = {"title": debate.title, "opens_at": max(now, timezone.localtime(debate.opens_at)),
               "closes_at": max(now + timedelta(days=14), timezone.localtime(debate.closes_at))}
    form = PublishDebateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.publish_debate(actor=request.user, debate_id=debate.pk, **form.cleaned_data)
        except InvalidDebate as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The debate is published."))
            return redirect(site_reverse(request.site, "debate_detail", pk=debate.pk))
    source = getattr(debate, "source_proposal", None)
    return render(request, "debates/manage/publish.html", {"debate": debate, "form": form, "source": source},
                  status=400 if form.errors else 200)


# --- the debates back office (manage/debates/) ----------------------------------------------
# Who may see a page is checked here and answered with 404 (another agency's back office is
# "not found", never "forbidden"); who may change a debate is checked again by the services.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_admin(request) -> None:
    if not can_administer(request.user, request.site):
        raise Http404


def _debate_or_404(request, pk) -> Debate:
    _require_admin(request)
    debate = admin_debate(site=request.site, pk=pk)
    if debate is None:
        raise Http404
    return debate


def _filters(request):
    form = FilterForm(request.GET)
    form.is_valid()
    return form, form.filters()


@login_required
@require_GET
@site_view
def debate_list(request):
    _require_admin(request)
    filter_form, filters = _filters(request)
    page = Paginator(admin_debates(site=request.site, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    debates = with_participants(list(page))
    counts = tab_counts(site=request.site, filters=filters)
    now = timezone.now()
    return render(request, "debates/manage/list.html", {
        "filter_form": filter_form, "filters": filters, "page": page,
        "rows": [(debate, row_values(debate, now)) for debate in debates], "columns": columns(),
        "tabs": [(value, label, counts[value]) for value, label in Tab.CHOICES],
        "bulk_form": BulkForm(debates=Debate.objects.none()), "vote_types": VoteType.choices,
    })


@login_required
@require_POST
@site_view
def debate_bulk(request):
    _require_admin(request)
    form = BulkForm(request.POST, debates=Debate.objects.filter(agency=request.site))
    if form.is_valid():
        try:
            changed, refused = admin_services.apply_debate_action(
                actor=request.user, debate_ids=[d.pk for d in form.cleaned_data["debates"]],
                action=form.cleaned_data["action"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Debates changed: %(changed)d.") % {"changed": changed})
            if refused:
                messages.warning(request, _(
                    "Debates not changed: %(refused)d. You may not change them, or their vote has already "
                    "closed.") % {"refused": refused})
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    back = QueryDict(request.POST.get("return_query", "")).urlencode()
    return redirect(site_reverse(request.site, "manage_debates") + (f"?{back}" if back else ""))


def _write_cell(sheet, row, col, value, formats) -> None:
    """Text that looks like a formula is written as text with Excel's quote prefix."""
    if value is None or value == "":
        return
    if isinstance(value, str):
        sheet.write_string(row, col, value, formats["text"] if value.startswith(FORMULA_STARTS) else None)
    elif hasattr(value, "tzinfo"):
        sheet.write_datetime(row, col, timezone.localtime(value), formats["date"])
    else:
        sheet.write_number(row, col, value)


def _workbook():
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"strings_to_formulas": False, "in_memory": True, "remove_timezone": True})
    formats = {"bold": book.add_format({"bold": True}), "text": book.add_format({"quote_prefix": True}),
               "date": book.add_format({"num_format": "yyyy-mm-dd hh:mm"})}
    return output, book, formats


def _xlsx_response(output, filename: str) -> HttpResponse:
    response = HttpResponse(output.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
@site_view
def debate_export(request):
    """The current tab and filters, every page, as an .xlsx file."""
    _require_admin(request)
    _form, filters = _filters(request)
    output, book, formats = _workbook()
    sheet = book.add_worksheet(_("Debates")[:31])
    cols = columns()
    for col, column in enumerate(cols):
        sheet.write_string(0, col, str(column.label), formats["bold"])
    now = timezone.now()
    debates = list(admin_debates(site=request.site, filters=filters))
    for row, debate in enumerate(with_participants(debates), start=1):
        values = row_values(debate, now)
        for col, column in enumerate(cols):
            _write_cell(sheet, row, col, values[column.key], formats)
    sheet.freeze_panes(1, 0)
    book.close()
    return _xlsx_response(output, f"debates-{request.site.slug}-{timezone.localdate().isoformat()}.xlsx")


@login_required
@require_GET
@site_view
def debate_results_export(request, pk):
    """One debate's full results: per option for pro/con and multiple choice, one block per
    question for research, the opinions ranked by support for discussion."""
    debate = _debate_or_404(request, pk)
    results = debate_results(debate)
    output, book, formats = _workbook()
    sheet = book.add_worksheet(_("Results")[:31])
    bold = formats["bold"]
    row = 0
    for label, value in ((_("No."), debate.pk), (_("Title"), debate.title),
                         (_("Vote type"), str(VoteType(debate.vote_type).label)),
                         (_("Opens"), debate.opens_at), (_("Closes"), debate.closes_at),
                         (_("Participants"), results.ballots)):
        sheet.write_string(row, 0, str(label), bold)
        _write_cell(sheet, row, 1, value, formats)
        row += 1
    row += 1
    if debate.vote_type in (VoteType.PRO_CON, VoteType.MULTIPLE_CHOICE):
        row = _write_split(sheet, row, results.options, results.totals, formats)
        for text in results.other_texts:
            row += 1
            sheet.write_string(row, 0, _("Other (written)"), bold)
            _write_cell(sheet, row, 1, text, formats)
    elif debate.vote_type == VoteType.RESEARCH:
        for number, question in enumerate(results.questions, start=1):
            sheet.write_string(row, 0, _("Question %(number)d") % {"number": number}, bold)
            _write_cell(sheet, row, 1, question.text, formats)
            sheet.write_string(row + 1, 0, _("Answered"), bold)
            sheet.write_number(row + 1, 1, question.answered)
            row = _write_split(sheet, row + 2, question.options, question.totals, formats) + 2
    else:
        for col, label in enumerate((_("Rank"), _("Opinion"), _("Supports"), _("Written"), _("Hidden"))):
            sheet.write_string(row, col, label, bold)
        for rank, opinion in enumerate(results.opinions, start=1):
            row += 1
            sheet.write_number(row, 0, rank)
            _write_cell(sheet, row, 1, opinion.body, formats)
            sheet.write_number(row, 2, opinion.support_count)
            _write_cell(sheet, row, 3, opinion.created_at, formats)
            _write_cell(sheet, row, 4, _("yes") if opinion.hidden_at else "", formats)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 48)
    book.close()
    return _xlsx_response(output, f"debate-{debate.pk}-results.xlsx")


def split_headers() -> tuple:
    """The results' columns, on the back-office page and in its export alike."""
    return _("Option"), _("Online"), _("Offline (hall)"), _("Combined")


def _write_split(sheet, row, options, totals, formats) -> int:
    """Header, one row per option (online, offline, combined), then the totals; returns the
    last row written. Always all three columns, hall counts or not, so the file's shape does
    not depend on the debate."""
    for col, label in enumerate(split_headers()):
        sheet.write_string(row, col, str(label), formats["bold"])
    for option in [*options, totals]:
        row += 1
        if option is totals:
            sheet.write_string(row, 0, totals.label, formats["bold"])
        else:
            _write_cell(sheet, row, 0, option.label, formats)
        for col, value in enumerate((option.count, option.offline, option.combined), start=1):
            sheet.write_number(row, col, value)
    return row


def _render_form(request, form, debate, vote_type, locked=False):
    return render(request, "debates/manage/form.html", {
        "form": form, "failed_form": form if form.errors else None, "debate": debate,
        "vote_type": vote_type, "vote_type_label": VoteType(vote_type).label, "locked": locked,
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def debate_create(request, vote_type):
    _require_admin(request)
    if vote_type not in VoteType.values:
        raise Http404
    form = DebateForm(request.POST or None, vote_type=vote_type, initial=new_debate_initial(vote_type))
    if request.method == "POST" and form.is_valid():
        try:
            debate = admin_services.create_debate(actor=request.user, agency=request.site, vote_type=vote_type,
                                                  **form.service_kwargs())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Debate no. %(number)d saved as a draft.") % {"number": debate.pk})
            return redirect(site_reverse(request.site, "manage_debate_edit", pk=debate.pk))
    return _render_form(request, form, None, vote_type)


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def debate_edit(request, pk):
    debate = _debate_or_404(request, pk)
    locked = admin_services.has_participation(debate)
    form = DebateForm(request.POST or None, vote_type=debate.vote_type, locked=locked, initial=debate_initial(debate))
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.update_debate(actor=request.user, debate_id=debate.pk, **form.service_kwargs())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The debate is saved."))
            return redirect(site_reverse(request.site, "manage_debate_edit", pk=debate.pk))
    return _render_form(request, form, debate, debate.vote_type, locked)


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def debate_result(request, pk):
    debate = _debate_or_404(request, pk)
    form = ResultForm(request.POST or None, initial={"result_text": debate.result_text})
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.publish_results(actor=request.user, debate_id=debate.pk, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The results are published."))
            return redirect(site_reverse(request.site, "manage_debate_result", pk=debate.pk))
    return render(request, "debates/manage/result.html", {
        "debate": debate, "form": form, "failed_form": form if form.errors else None,
        "results": debate_results(debate),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def debate_similar(request, pk):
    debate = _debate_or_404(request, pk)
    candidates = proposals_for_site(site=debate.agency).filter(trashed_at__isnull=True).order_by("-id")[:200]
    chosen = debate.similar_proposals.all()
    queryset = proposals_for_site(site=debate.agency).filter(pk__in=[p.pk for p in candidates] + [p.pk for p in chosen])
    form = SimilarProposalsForm(request.POST or None, proposals=queryset.order_by("-id"),
                                initial={"proposals": [p.pk for p in chosen]})
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.set_similar_proposals(actor=request.user, debate_id=debate.pk,
                                                 proposal_ids=[p.pk for p in form.cleaned_data["proposals"]])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Similar proposals saved."))
            return redirect(site_reverse(request.site, "manage_debate_similar", pk=debate.pk))
    return render(request, "debates/manage/similar.html", {
        "debate": debate, "form": form, "failed_form": form if form.errors else None,
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def debate_materials(request, pk):
    debate = _debate_or_404(request, pk)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.add_material(actor=request.user, debate_id=debate.pk, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Material added."))
            return redirect(site_reverse(request.site, "manage_debate_materials", pk=debate.pk))
    return render(request, "debates/manage/materials.html", {
        "debate": debate, "form": form, "failed_form": form if form.errors else None,
        "materials": debate.materials.all(),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
@site_view
def debate_material_remove(request, pk, material_pk):
    debate = _debate_or_404(request, pk)
    material = debate.materials.filter(pk=material_pk).first()
    if material is None:
        raise Http404
    try:
        admin_services.remove_material(actor=request.user, material_id=material.pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Material removed."))
    return redirect(site_reverse(request.site, "manage_debate_materials", pk=debate.pk))
