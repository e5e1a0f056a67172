"""The facilitator screen (진행자 화면) at manage/debates/<id>/screen/ on every site: the
projector view (question, QR code to the mobile ballot, the chart of online, hall and combined
counts, countdown, people watching) and, on the same page, the facilitator's controls.

Only the debate's agency admins, its facilitators and the platform admin reach it; anyone else
logged in gets 404 (another agency's back office is "not found", never "forbidden"). The
services check again."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from deliberation.agencies.permissions import can_administer
from deliberation.agencies.sites import site_reverse, site_view
from deliberation.errors import DomainError

from . import facilitation
from .errors import InvalidDebate
from .models import Status

# The chart's geometry, in SVG user units (the SVG scales to the screen's width).
CHART_WIDTH = 1000
LABEL_WIDTH = 230
VALUE_WIDTH = 170
BAR_HEIGHT = 34
BAR_GAP = 6
GROUP_GAP = 30
SERIES = ("online", "offline", "combined")


def series_labels() -> dict[str, str]:
    return {"online": _("Online"), "offline": _("Offline"), "combined": _("Combined")}


def chart(state: dict) -> dict:
    """Bars for each option and series, scaled to the largest combined count."""
    labels = series_labels()
    largest = max((row["combined"] for row in state["options"]), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    group_height = len(SERIES) * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP
    rows = []
    for i, option in enumerate(state["options"]):
        top = i * group_height
        bars = []
        for j, key in enumerate(SERIES):
            value = option[key]
            width = round(span * value / largest, 1)
            y = top + j * (BAR_HEIGHT + BAR_GAP)
            bars.append({"key": key, "label": labels[key], "value": value, "width": width, "y": y,
                         "text_y": y + BAR_HEIGHT * 0.72, "value_x": LABEL_WIDTH + width + 12})
        rows.append({"option": option, "bars": bars, "label_y": top + BAR_HEIGHT * 1.6})
    return {"rows": rows, "width": CHART_WIDTH, "height": max(len(rows) * group_height, group_height),
            "x": LABEL_WIDTH, "span": span, "bar_height": BAR_HEIGHT, "largest": largest}


def qr_svg(url: str) -> str:
    # segno escapes the title; the SVG has a viewBox (omitsize) and scales with its box.
    return segno.make(url, error="m").svg_inline(
        scale=10, border=2, dark="#000", light="#fff", omitsize=True,
        title=_("QR code: open the ballot on your phone"),
    )


def _control(request, debate) -> None:
    """One POSTed control; raises the DomainError that refused it."""
    action = request.POST.get("action", "")
    actor, pk = request.user, debate.pk
    if action == "open":
        minutes = request.POST.get("minutes") or None
        facilitation.open_now(actor=actor, debate_id=pk, minutes=minutes)
        messages.success(request, _("The vote is open."))
    elif action == "close":
        facilitation.close_now(actor=actor, debate_id=pk)
        messages.success(request, _("The vote is closed."))
    elif action in ("reveal", "hide"):
        facilitation.set_reveal(actor=actor, debate_id=pk, reveal=action == "reveal")
    elif action in ("next", "previous"):
        facilitation.set_screen_question(actor=actor, debate_id=pk, step=1 if action == "next" else -1)
    elif action == "add":
        facilitation.add_offline_count(actor=actor, debate_id=pk, option_id=request.POST.get("option"),
                                       count=request.POST.get("count", ""), label=request.POST.get("label", ""))
        messages.success(request, _("The offline count is added."))
    elif action == "correct":
        _entry_of(debate, request.POST.get("entry"))
        facilitation.correct_offline_count(actor=actor, entry_id=request.POST.get("entry"),
                                           count=request.POST.get("count", ""), label=request.POST.get("label"))
        messages.success(request, _("The offline count is corrected."))
    elif action == "remove":
        _entry_of(debate, request.POST.get("entry"))
        facilitation.remove_offline_count(actor=actor, entry_id=request.POST.get("entry"))
        messages.success(request, _("The offline count is removed."))
    else:
        raise InvalidDebate({"action": [_("Unknown action.")]})


def _entry_of(debate, entry_id) -> None:
    """An entry id posted on this debate's page must be one of this debate's entries."""
    from .models import OfflineCount

    try:
        ok = OfflineCount.objects.filter(pk=int(entry_id), debate=debate).exists()
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InvalidDebate({"entry": [_("No such entry.")]})


@login_required
@site_view
@require_http_methods(["GET", "POST"])
def screen(request, pk):
    debate = facilitation.facilitated_debate(request.user, pk, agency=request.site)
    if debate is None:
        raise Http404
    errors: dict[str, list] = {}
    if request.method == "POST":
        try:
            _control(request, debate)
        except InvalidDebate as exc:
            errors = exc.errors
        except DomainError as exc:
            errors = {"action": [str(exc.message)]}
        else:
            return redirect(site_reverse(request.site, "manage_debate_screen", pk=debate.pk) + "#controls")
    state = facilitation.facilitator_state(debate.pk)
    ballot_url = request.build_absolute_uri(site_reverse(request.site, "debate_detail", pk=debate.pk))
    prefix = "/ws/debates/" if request.site.is_city else f"/ws/a/{request.site.slug}/debates/"
    options = list(debate.options.select_related("question").all())
    context = {
        "debate": debate,
        "state": state,
        "chart": chart(state),
        "series": series_labels(),
        "qr": qr_svg(ballot_url),
        "ballot_url": ballot_url,
        "short_url": ballot_url.split("://", 1)[-1],
        "ws_path": f"{prefix}{debate.pk}/screen/",
        "countable": [o for o in options if debate.vote_type != "research" or o.question_id],
        "errors": errors,
        "posted": request.POST if errors else {},
        "projector": request.GET.get("projector") == "1",
        "status_label": Status(state["status"]).label,
        "is_admin": can_administer(request.user, request.site),
        "status_labels": {value: str(label) for value, label in Status.choices},
    }
    return render(request, "debates/facilitate.html", context, status=400 if errors else 200)
