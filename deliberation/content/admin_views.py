"""Back office of site content (manage/content/ on every site), for the site's agency admins
and the platform admin; anyone else gets 404. One list per kind (filters, pagination, bulk
visibility, Excel), the editor of each kind, the Q&A answering screen (waiting first), the
terms and privacy texts, and the home page's featured debates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliberation.agencies.permissions import can_administer
from deliberation.agencies.sites import site_reverse, site_view
from deliberation.errors import DomainError, NotFound

from . import admin_services, selectors
from .admin_selectors import PAGE_SIZE, SPECS, admin_items, row_values
from .admin_services import CREATABLE, FIELDS, MODELS
from .errors import InvalidContent
from .exports import XLSX, workbook_bytes
from .forms import EDIT_FORMS, AnswerForm, BulkForm, FeaturedForm, FilterForm, SitePageForm
from .models import FeaturedDebate, PageKind, Question


def _require_admin(request) -> None:
    if not can_administer(request.user, request.site):
        raise Http404


def _spec(request, kind):
    _require_admin(request)
    if kind not in SPECS:
        raise Http404
    return SPECS[kind]


def _item_or_404(request, kind, pk):
    _spec(request, kind)
    item = MODELS[kind].objects.filter(agency=request.site, pk=pk).first()
    if item is None:
        raise Http404
    return item


def _add_error(form, exc: DomainError) -> None:
    if isinstance(exc, InvalidContent):
        for field, errors in exc.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, str(error))
    else:
        form.add_error(None, str(exc.message))


def _filters(request, spec):
    form = FilterForm(request.GET, spec=spec)
    form.is_valid()
    return form, form.filters()


@login_required
@require_GET
@site_view
def overview(request):
    _require_admin(request)
    return redirect(site_reverse(request.site, "manage_content_list", kind="notices"))


@login_required
@require_GET
@site_view
def item_list(request, kind):
    spec = _spec(request, kind)
    filter_form, filters = _filters(request, spec)
    page = Paginator(admin_items(site=request.site, kind=kind, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page"))
    now = timezone.now()
    return render(request, "content/manage/list.html", {
        "spec": spec, "kind": kind, "filter_form": filter_form, "page": page, "columns": spec.columns,
        "rows": [(item, _cells(spec, row_values(kind, item, now))) for item in page], "bulk_form": BulkForm(),
        "creatable": kind in CREATABLE, "kinds": SPECS.values(),
    })


@login_required
@require_GET
@site_view
def item_export(request, kind):
    spec = _spec(request, kind)
    _form, filters = _filters(request, spec)
    now = timezone.now()
    rows = (row_values(kind, item, now) for item in admin_items(site=request.site, kind=kind, filters=filters))
    response = HttpResponse(workbook_bytes(sheet_name=str(spec.title), columns=spec.columns, rows=rows),
                            content_type=XLSX)
    filename = f"{kind}-{request.site.slug}-{timezone.localdate().isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
@site_view
def item_bulk(request, kind):
    _spec(request, kind)
    ids = MODELS[kind].objects.filter(agency=request.site).values_list("pk", flat=True)
    form = BulkForm(request.POST, ids=ids)
    if form.is_valid():
        changed = admin_services.set_visibility(actor=request.user, site=request.site, kind=kind,
                                                ids=form.cleaned_data["items"],
                                                public=form.cleaned_data["action"] == "show")
        messages.success(request, _("Rows changed: %(changed)d.") % {"changed": changed})
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    back = QueryDict(request.POST.get("return_query", "")).urlencode()
    return redirect(site_reverse(request.site, "manage_content_list", kind=kind) + (f"?{back}" if back else ""))


def _cells(spec, values: dict) -> list[tuple[str, object]]:
    return [(column.key, values.get(column.key)) for column in spec.columns]


def _initial(kind, item) -> dict:
    values = {name: getattr(item, name) for name in FIELDS[kind] if name in EDIT_FORMS[kind].base_fields}
    for name, value in values.items():
        if hasattr(value, "tzinfo") and value is not None:
            values[name] = timezone.localtime(value)
    return values


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def item_edit(request, kind, pk=None):
    spec = _spec(request, kind)
    if kind not in CREATABLE:
        raise Http404
    item = _item_or_404(request, kind, pk) if pk is not None else None
    form = EDIT_FORMS[kind](request.POST or None, initial=_initial(kind, item) if item else None)
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.save_item(actor=request.user, site=request.site, kind=kind, pk=pk, data=form.cleaned_data)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(site_reverse(request.site, "manage_content_list", kind=kind))
    return render(request, "content/manage/edit.html", {"spec": spec, "kind": kind, "item": item, "form": form,
                                                         "kinds": SPECS.values()},
                  status=400 if form.errors else 200)


@login_required
@require_POST
@site_view
def item_delete(request, kind, pk):
    _item_or_404(request, kind, pk)
    admin_services.delete_item(actor=request.user, site=request.site, kind=kind, pk=pk)
    messages.success(request, _("Deleted."))
    return redirect(site_reverse(request.site, "manage_content_list", kind=kind))


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def question_answer(request, pk):
    question: Question = _item_or_404(request, "questions", pk)
    form = AnswerForm(request.POST or None, initial={"answer": question.answer})
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.answer_question(actor=request.user, site=request.site, question_id=pk,
                                           answer=form.cleaned_data["answer"])
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("The answer is published."))
            return redirect(site_reverse(request.site, "manage_content_list", kind="questions"))
    return render(request, "content/manage/answer.html", {
        "question": question, "form": form, "spec": SPECS["questions"], "kind": "questions",
        "kinds": SPECS.values()}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def site_page_edit(request, page_kind):
    _require_admin(request)
    if page_kind not in PageKind.values:
        raise Http404
    own, inherited = selectors.site_page(site=request.site, kind=page_kind)
    form = SitePageForm(request.POST or None, initial={"body": own.body if own and not inherited else ""})
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.save_site_page(actor=request.user, site=request.site, kind=page_kind,
                                          body=form.cleaned_data["body"])
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(site_reverse(request.site, "manage_content_page", page_kind=page_kind))
    return render(request, "content/manage/site_page.html", {
        "form": form, "title": PageKind(page_kind).label, "page_kind": page_kind, "inherited": inherited,
        "kinds": SPECS.values()}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def featured(request):
    from deliberation.debates.selectors import public_debates

    _require_admin(request)
    debates = list(public_debates(site=request.site)[:100])
    chosen = list(FeaturedDebate.objects.filter(agency=request.site).values_list("debate_id", flat=True))
    form = FeaturedForm(request.POST or None, debates=debates, initial={"debates": chosen})
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.set_featured_debates(actor=request.user, site=request.site,
                                                debate_ids=form.cleaned_data["debates"])
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(site_reverse(request.site, "manage_content_featured"))
    return render(request, "content/manage/featured.html", {"form": form, "kinds": SPECS.values()},
                  status=400 if form.errors else 200)
