"""The moderation queue of one site: its comments newest first (or the reported ones), with
hide and restore, each with a reason. Moderators and admins of the site's agency only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from deliberation.agencies.sites import site_reverse, site_view
from deliberation.errors import DomainError

from . import moderation


def _require_moderator(request):
    if not moderation.can_moderate(request.user, request.site):
        raise Http404


@login_required
@require_GET
@site_view
def queue(request):
    _require_moderator(request)
    reported = request.GET.get("reported") == "1"
    page = Paginator(moderation.moderation_queue(site=request.site, reported_only=reported), 30).get_page(
        request.GET.get("page"))
    return render(request, "comments/manage/queue.html", {"page": page, "reported": reported})


@login_required
@require_POST
@site_view
def act(request, comment_pk):
    _require_moderator(request)
    action = {"hide": moderation.hide_comment, "restore": moderation.restore_comment}.get(request.POST.get("action"))
    back = site_reverse(request.site, "manage_moderation") + ("?reported=1" if request.POST.get("reported") else "")
    if action is None:
        messages.error(request, _("Choose hide or restore."))
        return redirect(back)
    try:
        action(actor=request.user, comment_id=comment_pk, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        if exc.http_status == 404:
            raise Http404 from None
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Done: the change is on every open page now and in the audit log."))
    return redirect(back)
