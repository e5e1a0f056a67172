"""Back-office pages for execution items (manage/executions/ on every site): the list with
filters, pages, bulk visibility and the Excel export; creating an item from an adopted
proposal or a debate's published result; one item's page (edit, post an update, materials).

Admins of the site's agency (and the platform admin) do everything; a department officer sees
the items of their department and posts updates on them. Anything else is "not found"."""

import io

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliberation.agencies.sites import site_reverse, site_view
from deliberation.errors import DomainError, NotFound
from deliberation.http import add_domain_error
from deliberation.ids import row_id

from . import services
from .errors import AlreadyTracked
from .forms_admin import BulkForm, FilterForm, ItemForm, MaterialForm, UpdateForm
from .models import ExecutionItem
from .permissions import can_manage_executions, can_open_back_office, can_post_update
from .selectors import (
    COLUMNS,
    PAGE_SIZE,
    admin_item,
    admin_items,
    item_of_source,
    row_values,
    timeline,
    trackable_debates,
    trackable_proposals,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_admin(request) -> None:
    if not can_manage_executions(request.user, request.site):
        raise Http404


def _filters(request):
    form = FilterForm(request.GET, agency=request.site)
    form.is_valid()
    return form, form.filters()


@login_required
@require_GET
@site_view
def item_list(request):
    if not can_open_back_office(request.user, request.site):
        raise Http404
    filter_form, filters = _filters(request)
    page = Paginator(admin_items(site=request.site, user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "executions/manage/list.html", {
        "filter_form": filter_form, "page": page, "columns": COLUMNS,
        "rows": [(item, row_values(item)) for item in page],
        "is_admin": can_manage_executions(request.user, request.site),
        "bulk_form": BulkForm(items=ExecutionItem.objects.none()),
    })


@login_required
@require_POST
@site_view
def item_bulk(request):
    _require_admin(request)
    form = BulkForm(request.POST, items=ExecutionItem.objects.filter(agency=request.site))
    if form.is_valid():
        try:
            changed = services.apply_visibility(
                actor=request.user, agency=request.site, item_ids=[i.pk for i in form.cleaned_data["items"]],
                action=form.cleaned_data["action"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Items changed: %(changed)d.") % {"changed": changed})
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    back = QueryDict(request.POST.get("return_query", "")).urlencode()
    return redirect(site_reverse(request.site, "manage_executions") + (f"?{back}" if back else ""))


@login_required
@require_GET
@site_view
def item_export(request):
    """The filtered list, every page, as .xlsx; text that looks like a formula stays text."""
    _require_admin(request)
    _form, filters = _filters(request)
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"strings_to_formulas": False, "in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet(_("Execution items")[:31])
    bold, as_text = book.add_format({"bold": True}), book.add_format({"quote_prefix": True})
    as_date, as_day = book.add_format({"num_format": "yyyy-mm-dd hh:mm"}), book.add_format({"num_format": "yyyy-mm-dd"})
    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, str(column.label), bold)
    rows = admin_items(site=request.site, user=request.user, filters=filters)
    for row, item in enumerate(rows.iterator(chunk_size=500), start=1):
        values = row_values(item)
        for col, column in enumerate(COLUMNS):
            value = values[column.key]
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(row, col, value, as_text if value.startswith(FORMULA_STARTS) else None)
            elif hasattr(value, "tzinfo"):
                sheet.write_datetime(row, col, timezone.localtime(value), as_date)
            elif hasattr(value, "isoformat"):
                sheet.write_datetime(row, col, value, as_day)
            else:
                sheet.write_number(row, col, value)
    sheet.freeze_panes(1, 0)
    book.close()
    response = HttpResponse(output.getvalue(), content_type=XLSX)
    filename = f"executions-{request.site.slug}-{timezone.localdate().isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def item_create(request):
    """`?proposal=<id>` or `?debate=<id>` (the "Track execution" buttons) preselects the source;
    a source that already has an item leads to it."""
    _require_admin(request)
    proposals, debates = trackable_proposals(agency=request.site), trackable_debates(agency=request.site)
    initial = {}
    if request.method == "GET":
        for name, model in (("proposal", proposals.model), ("debate", debates.model)):
            pk = request.GET.get(name, "")
            if row_id(pk) is not None:
                source = model.objects.filter(pk=pk, agency=request.site).first()
                existing = source and item_of_source(**{name: source})
                if existing:
                    messages.info(request, _("This already has an execution item."))
                    return redirect(site_reverse(request.site, "manage_execution", pk=existing.pk))
                if source:
                    initial = {name: source.pk, "title": source.title}
    form = ItemForm(request.POST or None, initial=initial, agency=request.site, proposals=proposals, debates=debates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.create_item(
                actor=request.user, proposal_id=data["proposal"].pk if data["proposal"] else None,
                debate_id=data["debate"].pk if data["debate"] else None, department_id=data["department"].pk,
                title=data["title"], summary=data["summary"], status=data["status"], note=data["note"],
                is_public=data["is_public"])
        except AlreadyTracked as exc:
            messages.info(request, str(exc.message))
            return redirect(site_reverse(request.site, "manage_execution", pk=exc.item_id))
        except NotFound:
            form.add_error(None, _("Choose a proposal or debate of this agency."))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Execution item no. %(number)d created.") % {"number": item.pk})
            return redirect(site_reverse(request.site, "manage_execution", pk=item.pk))
    return render(request, "executions/manage/create.html", {
        "form": form, "failed_form": form if form.errors else None, "is_admin": True,
        "nothing_to_track": not proposals.exists() and not debates.exists(),
    }, status=400 if form.errors else 200)


ACTIONS = ("edit", "update", "material")


def _item_forms(request, item, action, is_admin):
    def bound(name):
        if name != action:
            return None
        return (request.POST, request.FILES) if name == "material" else (request.POST,)

    forms = {"update": UpdateForm(*(bound("update") or ()), prefix="update",
                                  initial={"happened_on": timezone.localdate()})}
    if is_admin:
        forms["edit"] = ItemForm(*(bound("edit") or ()), prefix="edit", agency=item.agency, editing=True, initial={
            "title": item.title, "summary": item.summary, "department": item.department_id,
            "is_public": item.is_public})
        forms["material"] = MaterialForm(*(bound("material") or ()), prefix="material")
    return forms


def _run(request, item, action, data):
    if action == "edit":
        services.edit_item(actor=request.user, item_id=item.pk, title=data["title"], summary=data["summary"],
                           department_id=data["department"].pk, is_public=data["is_public"])
        return _("The item is saved.")
    if action == "update":
        services.post_update(actor=request.user, item_id=item.pk, body=data["body"],
                             happened_on=data["happened_on"], status=data["status"])
        return _("Update posted.")
    services.add_material(actor=request.user, item_id=item.pk, **data)
    return _("Material added.")


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def item_detail(request, pk):
    try:
        item = admin_item(site=request.site, user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    is_admin = can_manage_executions(request.user, item.agency)
    action = request.POST.get("action") if request.method == "POST" else None
    forms = _item_forms(request, item, action, is_admin)
    if request.method == "POST" and action not in forms:
        raise Http404
    if action and forms[action].is_valid():
        try:
            done = _run(request, item, action, forms[action].cleaned_data)
        except DomainError as exc:
            add_domain_error(forms[action], exc)
        else:
            messages.success(request, done)
            return redirect(site_reverse(request.site, "manage_execution", pk=item.pk))
    return render(request, "executions/manage/item.html", {
        "item": item, "forms": forms, "failed_form": forms.get(action), "is_admin": is_admin,
        "can_update": can_post_update(request.user, item), "timeline": timeline(item=item),
        "materials": item.materials.all(),
    }, status=400 if action and forms[action].errors else 200)


@login_required
@require_POST
@site_view
def material_remove(request, pk, material_pk):
    _require_admin(request)
    try:
        item = admin_item(site=request.site, user=request.user, pk=pk)
        services.remove_material(actor=request.user, item_id=item.pk, material_id=material_pk)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Material removed."))
    return redirect(site_reverse(request.site, "manage_execution", pk=pk))
