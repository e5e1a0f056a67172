"""Members (회원관리) of one site: search and filter, roles, suspension on this site (a ban,
see sanctions.py), activity here; the platform admin also suspends accounts platform-wide.
Agency admins and the platform admin only; anyone else gets 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from deliberation.errors import NotFound
from deliberation.http import run_with_messages

from . import members, platform_services, sanctions, site_settings
from .forms import StaffRoleForm, SuspendForm
from .models import Role, SanctionKind
from .permissions import is_platform_admin
from .settings_views import require_admin
from .sites import site_reverse, site_view

PAGE_SIZE = 30


@login_required
@require_GET
@site_view
def member_list(request):
    require_admin(request)
    filters = members.MemberFilters.from_query(request.GET, platform_admin=is_platform_admin(request.user))
    page = Paginator(members.members_of_site(site=request.site, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "agencies/manage_members.html", {
        "page": page, "filters": filters, "query": query.urlencode(),
        "roles": [(members.CITIZEN, _("citizen (no staff role)")), *Role.choices],
    })


def _do(request, action, success, **kwargs) -> None:
    run_with_messages(request, action, success, actor=request.user, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def member_detail(request, user_pk):
    require_admin(request)
    try:
        member = members.member_of_site(site=request.site, user_id=user_pk,
                                        platform_admin=is_platform_admin(request.user))
    except NotFound:
        raise Http404 from None
    site, post = request.site, request.POST
    if request.method == "POST":
        action = post.get("action")
        if action == "grant":
            _do(request, site_settings.grant_staff_role, _("Role given."), agency=site, username=member.username,
                role=post.get("role"), department_id=post.get("department") or None)
        elif action == "revoke":
            _do(request, site_settings.revoke_staff_role, _("Role taken away."), agency=site,
                membership_id=post.get("membership"))
        elif action == "suspend":
            _do(request, sanctions.sanction_user, _("Suspended on this site."), agency=site, user_id=member.pk,
                kind=SanctionKind.BAN, reason=post.get("reason", ""), days=post.get("days") or None)
        elif action == "restore":
            ban = members.ban_in_force(site=site, user=member)
            if ban is None:
                messages.error(request, _("This member is not suspended here."))
            else:
                _do(request, sanctions.lift_sanction, _("Restored on this site."), agency=site, sanction_id=ban.pk)
        elif action in ("suspend_account", "restore_account") and is_platform_admin(request.user):
            _do(request, platform_services.set_account_active, _("Saved."), user_id=member.pk,
                active=action == "restore_account")
        else:
            messages.error(request, _("Choose an action."))
        return redirect(site_reverse(site, "manage_member", user_pk=member.pk))
    return render(request, "agencies/manage_member.html", {
        "member": member, "activity": members.member_activity(site=site, user=member),
        "ban": members.ban_in_force(site=site, user=member),
        "role_form": StaffRoleForm(agency=site), "suspend_form": SuspendForm(),
    })
