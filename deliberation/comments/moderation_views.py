"""The moderators' back office of one site (moderators and admins of its agency, and the platform
admin; everyone else gets 404): the live queue (held, reported, recent, hidden comments and
discussion opinions), each action with a reason, mutes and bans, and the site's moderation
settings (blocked words, pre-moderation of the site or of single debates)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliberation.agencies import sanctions
from deliberation.agencies.models import SanctionKind
from deliberation.agencies.sites import site_reverse, site_view
from deliberation.http import run_with_messages

from . import moderation
from .moderation import Queue

OPINIONS = "opinions"
TABS = (*Queue.CHOICES, OPINIONS)


def _require_moderator(request):
    if not moderation.can_moderate(request.user, request.site):
        raise Http404


def _tab(value) -> str:
    return value if value in TABS else Queue.RECENT


def _back(request) -> str:
    return f"{site_reverse(request.site, 'manage_moderation')}?queue={_tab(request.POST.get('queue'))}"


def _run(request, action, **kwargs) -> bool:
    """One moderation write as this moderator (deliberation.http.run_with_messages)."""
    return run_with_messages(request, action, actor=request.user, **kwargs)


@login_required
@require_GET
@site_view
def queue(request):
    _require_moderator(request)
    tab = _tab(request.GET.get("queue") or ("reported" if request.GET.get("reported") == "1" else None))
    if tab == OPINIONS:
        items = moderation.recent_opinions(site=request.site, limit=200)
    else:
        items = moderation.moderation_queue(site=request.site, queue=tab)
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    context = {
        "page": page, "tab": tab, "tabs": TABS, "counts": moderation.queue_counts(site=request.site),
        "sanction_kinds": SanctionKind.choices,
    }
    if request.GET.get("fragment") == "1":  # the live page refreshes its list with this
        return render(request, "comments/manage/_queue_rows.html", context)
    return render(request, "comments/manage/queue.html", context)


@login_required
@require_POST
@site_view
def act(request, comment_pk):
    _require_moderator(request)
    action = moderation.COMMENT_ACTIONS.get(request.POST.get("action"))
    if action is None:
        messages.error(request, _("Choose an action."))
    elif _run(request, action, comment_id=comment_pk, reason=request.POST.get("reason", "")):
        messages.success(request, _("Done: the change is on every open page now and in the audit log."))
    return redirect(_back(request))


@login_required
@require_POST
@site_view
def act_on_opinion(request, opinion_pk):
    _require_moderator(request)
    action = moderation.OPINION_ACTIONS.get(request.POST.get("action"))
    if action is None:
        messages.error(request, _("Choose an action."))
    elif _run(request, action, opinion_id=opinion_pk, reason=request.POST.get("reason", "")):
        messages.success(request, _("Done: the change is on every open page now and in the audit log."))
    return redirect(_back(request))


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def sanctions_page(request):
    _require_moderator(request)
    if request.method == "POST":
        done = _run(request, sanctions.sanction_user, agency=request.site, user_id=request.POST.get("user"),
                    kind=request.POST.get("kind"), reason=request.POST.get("reason", ""),
                    days=request.POST.get("days") or None)
        if done:
            messages.success(request, _("Saved. The user is told why when they next try to take part."))
        back = request.POST.get("next") or ""
        return redirect(back if back.startswith("/") and not back.startswith("//")
                        else site_reverse(request.site, "manage_sanctions"))
    return render(request, "comments/manage/sanctions.html", {
        "sanctions": sanctions.sanctions_of_site(request.site), "sanction_kinds": SanctionKind.choices,
    })


@login_required
@require_POST
@site_view
def lift_sanction(request, sanction_pk):
    _require_moderator(request)
    if _run(request, sanctions.lift_sanction, agency=request.site, sanction_id=sanction_pk):
        messages.success(request, _("The sanction is lifted."))
    return redirect(site_reverse(request.site, "manage_sanctions"))


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def moderation_settings(request):
    _require_moderator(request)
    if request.method == "POST":
        done = _run(request, moderation.update_moderation_settings, agency=request.site,
                    premoderation=request.POST.get("premoderation") == "on",
                    blocked_words=request.POST.get("blocked_words", ""),
                    premoderated_debates=request.POST.getlist("premoderated_debates"))
        if done:
            messages.success(request, _("Moderation settings saved."))
            return redirect(site_reverse(request.site, "manage_moderation_settings"))
    return render(request, "comments/manage/settings.html", {
        "debates": moderation.moderated_debates(site=request.site),
        "blocked_words": request.POST.get("blocked_words", request.site.blocked_words),
    })
