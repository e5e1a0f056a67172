"""An agency's settings screens (환경설정) beyond the main form: task categories, departments
and officers, themes, staff roles. Admins of the agency and the platform admin only; anyone
else gets 404. Each post runs one service and comes back to its page with a message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from deliberation.http import run_with_messages

from . import site_settings as services
from .forms import AgencySettingsForm, StaffRoleForm
from .models import Agency, Role
from .permissions import can_administer
from .selectors import departments_of, staff_of, themes_of_site
from .sites import site_reverse, site_view


def require_admin(request) -> None:
    if not can_administer(request.user, request.site):
        raise Http404


def run(request, action, success: str, **kwargs) -> bool:
    """One settings write on this site, as its admin (deliberation.http.run_with_messages)."""
    return run_with_messages(request, action, success, actor=request.user, agency=request.site, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def agency_settings(request):
    require_admin(request)
    form = AgencySettingsForm(request.POST or None, request.FILES or None,
                              instance=Agency.objects.get(pk=request.site.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_site_settings(
                actor=request.user, agency=request.site, logo=form.cleaned_data.get("logo_file"),
                remove_logo=form.cleaned_data.get("remove_logo", False), **form.settings_data())
        except services.InvalidSetting as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Settings saved."))
            return redirect(site_reverse(request.site, "manage_settings"))
    return render(request, "agencies/manage_settings.html", {"form": form, "tab": "general"})


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def task_categories(request):
    require_admin(request)
    if request.method == "POST":
        action, name, pk = request.POST.get("action"), request.POST.get("name"), request.POST.get("id")
        if action == "add":
            run(request, services.add_task_category, _("Category added."), name=name)
        elif action == "rename":
            run(request, services.rename_task_category, _("Category renamed."), category_id=pk, name=name)
        elif action == "remove":
            run(request, services.remove_task_category, _("Category removed."), category_id=pk)
        else:
            messages.error(request, _("Choose an action."))
        return redirect(site_reverse(request.site, "manage_settings_categories"))
    return render(request, "agencies/manage_categories.html", {
        "tab": "categories", "categories": request.site.task_categories.all(),
    })


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def departments(request):
    require_admin(request)
    if request.method == "POST":
        action, pk, post = request.POST.get("action"), request.POST.get("id"), request.POST
        if action == "add":
            run(request, services.create_department, _("Department added."), name=post.get("name"))
        elif action == "rename":
            run(request, services.rename_department, _("Department renamed."), department_id=pk, name=post.get("name"))
        elif action == "remove":
            run(request, services.remove_department, _("Department removed."), department_id=pk)
        elif action == "grant_officer":
            run(request, services.grant_staff_role, _("Officer added."), username=post.get("username"),
                role=Role.OFFICER, department_id=pk)
        elif action == "revoke":
            run(request, services.revoke_staff_role, _("Role taken away."), membership_id=post.get("membership"))
        else:
            messages.error(request, _("Choose an action."))
        return redirect(site_reverse(request.site, "manage_settings_departments"))
    return render(request, "agencies/manage_departments.html", {
        "tab": "departments", "departments": departments_of(request.site),
    })


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def themes(request):
    require_admin(request)
    if request.method == "POST":
        action, post = request.POST.get("action"), request.POST
        if action in ("hide", "show"):
            run(request, services.set_theme_hidden, _("Saved."), theme_id=post.get("id"), hidden=action == "hide")
        elif action == "merge":
            run(request, services.merge_themes, _("Themes merged on this site."), source_id=post.get("source"),
                target_id=post.get("target"))
        else:
            messages.error(request, _("Choose an action."))
        return redirect(site_reverse(request.site, "manage_settings_themes"))
    return render(request, "agencies/manage_themes.html", {"tab": "themes", "themes": themes_of_site(request.site)})


@login_required
@require_http_methods(["GET", "POST"])
@site_view
def staff(request):
    """Agency admins, facilitators and moderators by username (officers: on the departments tab)."""
    require_admin(request)
    roles = services.STAFF_ROLES
    form = StaffRoleForm(request.POST or None, agency=request.site, roles=roles)
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            run(request, services.revoke_staff_role, _("Role taken away."), membership_id=request.POST.get("membership"))
        elif form.is_valid():
            run(request, services.grant_staff_role, _("Role given."), username=form.cleaned_data["username"],
                role=form.cleaned_data["role"])
        else:
            messages.error(request, _("Give a username and choose a role."))
        return redirect(site_reverse(request.site, "manage_settings_staff"))
    return render(request, "agencies/manage_staff.html", {
        "tab": "staff", "form": form, "staff": staff_of(request.site, *roles),
    })
