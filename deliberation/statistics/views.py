"""The statistics pages (manage/statistics/ on every site): the figures with charts, and their
Excel and CSV exports. Anyone who may not read them gets 404, as in the rest of the back office."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from deliberation.agencies.sites import site_view

from .charts import charts_for
from .exports import csv_text, workbook
from .forms import RangeForm
from .permissions import can_view_statistics
from .selectors import site_statistics
from .tables import MEASURES, table_for, tables_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_reader(request) -> None:
    if not can_view_statistics(request.user, request.site):
        raise Http404


def _heading(request, period) -> str:
    return _("%(site)s statistics, %(start)s to %(end)s") % {
        "site": request.site.name, "start": period.start.isoformat(), "end": period.end.isoformat()}


@login_required
@require_GET
@site_view
def statistics_page(request):
    _require_reader(request)
    form = RangeForm(request.GET)
    context = {"form": form, "measures": MEASURES}
    if form.is_valid():
        stats = site_statistics(site=request.site, period=form.period())
        charts = charts_for(stats)
        context.update(stats=stats, sections=[(table, charts.get(table.key, [])) for table in tables_for(stats)])
    return render(request, "statistics/page.html", context)


def _export_stats(request):
    _require_reader(request)
    form = RangeForm(request.GET)
    if not form.is_valid():
        return None, form
    return site_statistics(site=request.site, period=form.period()), form


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _bad_range(form) -> HttpResponseBadRequest:
    errors = " ".join(str(error) for errors in form.errors.values() for error in errors)
    return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")


@login_required
@require_GET
@site_view
def statistics_xlsx(request):
    stats, form = _export_stats(request)
    if stats is None:
        return _bad_range(form)
    period = stats.period
    content = workbook(tables_for(stats), heading=_heading(request, period))
    return _attachment(content, XLSX, f"statistics-{request.site.slug}-{period.start}-{period.end}.xlsx")


@login_required
@require_GET
@site_view
def statistics_csv(request):
    measure = request.GET.get("measure", "")
    if measure not in MEASURES:
        _require_reader(request)
        return HttpResponseBadRequest(
            _("Choose a measure: %(names)s.") % {"names": ", ".join(MEASURES)}, content_type="text/plain; charset=utf-8")
    stats, form = _export_stats(request)
    if stats is None:
        return _bad_range(form)
    table = table_for(stats, measure)
    if table is None:  # the per-agency table exists on the city's site only
        raise Http404
    period = stats.period
    return _attachment(csv_text(table), "text/csv; charset=utf-8",
                       f"statistics-{request.site.slug}-{measure}-{period.start}-{period.end}.csv")
