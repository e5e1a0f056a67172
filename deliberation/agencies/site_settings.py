"""Writes of an agency's settings (환경설정): the look of its site, its categories, departments
and officers, themes, and staff roles. Each service checks the actor may administer the
agency (another agency's admin gets "not found"), writes, and records an audit entry in the
same transaction. Nothing is cached: the site reads its row on every request, so a change
shows at once on that site and only there."""

import re
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deliberation.audit.services import record, snapshot
from deliberation.errors import DomainError, NotFound
from deliberation.text import single_line

from .contrast import THEME_USES, darkened_to_pass, first_failing_use
from .models import Agency, Department, HiddenTheme, Membership, Role, TaskCategory
from .permissions import can_administer

LOGO_MAX_BYTES = 1024 * 1024
FOOTER_LINKS_MAX = 5
# PNG, JPEG, GIF, WebP by their first bytes. SVG is refused: served from our origin it could
# carry script.
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
LOOK_FIELDS = [
    "name", "site_title", "primary_colour", "banner_text", "logo", "logo_alt", "footer_links",
    "policy_categories", "support_period_days", "answer_threshold", "debate_threshold",
    "review_deadline_days",
]
STAFF_ROLES = (Role.ADMIN, Role.FACILITATOR, Role.MODERATOR)


class InvalidSetting(DomainError):
    """`message` for the page, `errors` per form field when a field is to blame."""

    message = _("The settings were not saved.")

    def __init__(self, message=None, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def _require_admin(actor, agency: Agency) -> None:
    if not can_administer(actor, agency):
        raise NotFound()


# --- checks shared by the forms and the services -------------------------------------------
def colour_problem(colour: str) -> str | None:
    """A message when `colour` is not #RRGGBB or fails WCAG AA in one of the places the theme
    draws it (contrast.THEME_USES: white text on it, links on white and light tints, bars)."""
    if not isinstance(colour, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        return str(_("Enter a colour as #RRGGBB."))
    failing = first_failing_use(colour.lower())
    if failing is None:
        return None
    use, ratio = failing
    values = {"colour": colour, "ratio": ratio, "minimum": use.minimum, "suggestion": darkened_to_pass(colour.lower()),
              "use": use.label}
    if use is THEME_USES[0]:
        return str(_(
            "White text on %(colour)s has a contrast of %(ratio).2f:1; at least %(minimum).1f:1 is needed "
            "(WCAG AA). A darker colour that passes: %(suggestion)s."
        ) % values)
    return str(_(
        "%(colour)s as %(use)s has a contrast of %(ratio).2f:1; at least %(minimum).1f:1 is needed "
        "(WCAG AA). A darker colour that passes: %(suggestion)s."
    ) % values)


def logo_problem(upload) -> str | None:
    if upload.size > LOGO_MAX_BYTES:
        return str(_("The logo must be 1 MB or smaller."))
    head = upload.read(16)
    upload.seek(0)
    if not (head.startswith(IMAGE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")):
        return str(_("Upload the logo as a PNG, JPEG, GIF or WebP image."))
    return None


def clean_footer_links(pairs) -> list[dict]:
    """[(label, url), ...] → [{"label", "url"}]: empty pairs dropped; http/https only."""
    links = []
    for label, url in pairs:
        label, url = single_line(label or ""), (url or "").strip()
        if not label and not url:
            continue
        parts = urlsplit(url)
        if not label or len(label) > 50:
            raise InvalidSetting(_("Give every footer link a label of at most 50 characters."), field="footer_links")
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 300:
            raise InvalidSetting(_("A footer link's address must start with http:// or https://."),
                                 field="footer_links")
        links.append({"label": label, "url": url})
    if len(links) > FOOTER_LINKS_MAX:
        raise InvalidSetting(_("At most %(n)d footer links.") % {"n": FOOTER_LINKS_MAX}, field="footer_links")
    return links


def _audit_snapshot(agency: Agency) -> dict:
    data = snapshot(agency, LOOK_FIELDS)
    data["logo"] = agency.logo.name if agency.logo else ""
    data["footer_links"] = [dict(link) for link in agency.footer_links or []]
    data["policy_categories"] = list(agency.policy_categories or [])
    return data


# --- the look and the policy numbers --------------------------------------------------------
@transaction.atomic
def update_site_settings(*, actor, agency: Agency, logo=None, remove_logo: bool = False, **fields) -> Agency:
    """Saves the fields given (a subset of LOOK_FIELDS), a new logo or the logo's removal."""
    _require_admin(actor, agency)
    unknown = set(fields) - set(LOOK_FIELDS)
    if unknown:
        raise ValueError(f"not agency settings: {sorted(unknown)}")
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    before = _audit_snapshot(agency)
    if "primary_colour" in fields and (problem := colour_problem(fields["primary_colour"])):
        raise InvalidSetting(problem, field="primary_colour")
    if "footer_links" in fields:
        fields["footer_links"] = clean_footer_links((link.get("label"), link.get("url")) for link in fields["footer_links"])
    if "policy_categories" in fields:
        from deliberation.proposals.models import PolicyCategory

        chosen = [value for value in PolicyCategory.values if value in set(fields["policy_categories"])]
        if not chosen:
            raise InvalidSetting(_("Offer at least one policy category."), field="policy_categories")
        # Every category offered is stored as "all" (empty), so categories added later show too.
        fields["policy_categories"] = [] if len(chosen) == len(PolicyCategory.values) else chosen
    for key, value in fields.items():
        setattr(agency, key, value)
    if logo is not None and (problem := logo_problem(logo)):
        raise InvalidSetting(problem, field="logo")
    will_have_logo = logo is not None or (bool(agency.logo) and not remove_logo)
    if will_have_logo and not single_line(agency.logo_alt):
        raise InvalidSetting(_("Describe the logo for people who cannot see it."), field="logo_alt")
    if agency.debate_threshold <= agency.answer_threshold:
        raise InvalidSetting(_("The debate threshold must be above the answer threshold."), field="debate_threshold")
    agency.full_clean(exclude=["slug", "logo"])
    # The file is written last, once everything else is known to be valid.
    if logo is not None:
        agency.logo.save(logo.name, logo, save=False)
    elif remove_logo:
        agency.logo = ""
    agency.save()
    after = _audit_snapshot(agency)
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        record(agency=agency, actor=actor, action="settings.updated", target=agency,
               before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return agency


# --- task categories (업무분류) --------------------------------------------------------------
def _category_name(name) -> str:
    text = single_line(name or "")
    if not text or len(text) > 50:
        raise InvalidSetting(_("Give the category a name of at most 50 characters."), field="name")
    return text


@transaction.atomic
def add_task_category(*, actor, agency: Agency, name) -> TaskCategory:
    _require_admin(actor, agency)
    name = _category_name(name)
    try:
        with transaction.atomic():
            category = TaskCategory.objects.create(agency=agency, name=name)
    except IntegrityError:
        raise InvalidSetting(_("This site already has a category with this name."), field="name") from None
    record(agency=agency, actor=actor, action="task_category.added", target=category, after={"name": name})
    return category


def _own_category(agency: Agency, category_id) -> TaskCategory:
    try:
        return TaskCategory.objects.select_for_update().get(pk=int(category_id), agency=agency)
    except (TaskCategory.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


@transaction.atomic
def rename_task_category(*, actor, agency: Agency, category_id, name) -> TaskCategory:
    """Renames the category and re-labels this agency's proposals that carry the old name."""
    from deliberation.proposals.models import Proposal

    _require_admin(actor, agency)
    category, name = _own_category(agency, category_id), _category_name(name)
    old = category.name
    if TaskCategory.objects.filter(agency=agency, name=name).exclude(pk=category.pk).exists():
        raise InvalidSetting(_("This site already has a category with this name."), field="name")
    category.name = name
    category.save(update_fields=["name"])
    Proposal.objects.filter(agency=agency, task_category=old).update(task_category=name)
    record(agency=agency, actor=actor, action="task_category.renamed", target=category,
           before={"name": old}, after={"name": name})
    return category


@transaction.atomic
def remove_task_category(*, actor, agency: Agency, category_id) -> None:
    """Removes the choice; proposals already filed keep the name they were given."""
    _require_admin(actor, agency)
    category = _own_category(agency, category_id)
    record(agency=agency, actor=actor, action="task_category.removed", target=category,
           before={"name": category.name})
    category.delete()


# --- departments (부서) and their officers --------------------------------------------------
def _department_name(name) -> str:
    text = single_line(name or "")
    if not text or len(text) > 100:
        raise InvalidSetting(_("Give the department a name of at most 100 characters."), field="name")
    return text


def _own_department(agency: Agency, department_id) -> Department:
    try:
        return Department.objects.select_for_update().get(pk=int(department_id), agency=agency)
    except (Department.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


@transaction.atomic
def create_department(*, actor, agency: Agency, name) -> Department:
    _require_admin(actor, agency)
    name = _department_name(name)
    try:
        with transaction.atomic():
            department = Department.objects.create(agency=agency, name=name)
    except IntegrityError:
        raise InvalidSetting(_("This site already has a department with this name."), field="name") from None
    record(agency=agency, actor=actor, action="department.added", target=department, after={"name": name})
    return department


@transaction.atomic
def rename_department(*, actor, agency: Agency, department_id, name) -> Department:
    _require_admin(actor, agency)
    department, name = _own_department(agency, department_id), _department_name(name)
    old = department.name
    if Department.objects.filter(agency=agency, name=name).exclude(pk=department.pk).exists():
        raise InvalidSetting(_("This site already has a department with this name."), field="name")
    department.name = name
    department.save(update_fields=["name"])
    record(agency=agency, actor=actor, action="department.renamed", target=department,
           before={"name": old}, after={"name": name})
    return department


@transaction.atomic
def remove_department(*, actor, agency: Agency, department_id) -> None:
    """A department that has written answers stays (the answers name it); one without answers
    goes, with its officers' roles, and the reviews it led lose their lead department."""
    _require_admin(actor, agency)
    department = _own_department(agency, department_id)
    if department.answers.exists():
        raise InvalidSetting(_("This department has written answers, so it cannot be removed; rename it instead."))
    officers = list(department.officers.values_list("user__username", flat=True))
    record(agency=agency, actor=actor, action="department.removed", target=department,
           before={"name": department.name, "officers": officers})
    department.delete()


# --- staff roles (기관관리자, 부서 담당자, 진행자, 댓글 관리자) ---------------------------------
def _user_by_username(username):
    from deliberation.accounts.models import User

    name = (username or "").strip()
    try:
        return User.objects.get(username=name, is_active=True, deleted_at__isnull=True)
    except User.DoesNotExist:
        raise InvalidSetting(_("No active account has this username."), field="username") from None


@transaction.atomic
def grant_staff_role(*, actor, agency: Agency, username, role, department_id=None) -> Membership:
    """Gives a user a role on this site. An officer belongs to one department of the agency;
    granting the officer role again moves the officer to the department given."""
    _require_admin(actor, agency)
    if role not in Role.values:
        raise InvalidSetting(_("Choose a role."), field="role")
    user = _user_by_username(username)
    department = None
    if role == Role.OFFICER:
        if department_id in (None, ""):
            raise InvalidSetting(_("Choose the officer's department."), field="department")
        department = _own_department(agency, department_id)
    membership = Membership.objects.select_for_update().filter(user=user, agency=agency, role=role).first()
    before = {"department": membership.department_id} if membership else {}
    if membership is None:
        try:
            with transaction.atomic():
                membership = Membership.objects.create(user=user, agency=agency, role=role, department=department)
        except IntegrityError:
            raise InvalidSetting(_("This user already has this role."), field="username") from None
    elif role == Role.OFFICER and membership.department_id != department.pk:
        membership.department = department
        membership.save(update_fields=["department"])
    else:
        raise InvalidSetting(_("This user already has this role."), field="username")
    record(agency=agency, actor=actor, action=f"role.granted.{role}", target=membership, before=before,
           after={"user": user.username, "role": role, "department": membership.department_id})
    return membership


@transaction.atomic
def revoke_staff_role(*, actor, agency: Agency, membership_id) -> None:
    _require_admin(actor, agency)
    try:
        membership = Membership.objects.select_for_update().select_related("user").get(
            pk=int(membership_id), agency=agency)
    except (Membership.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if membership.role == Role.ADMIN and membership.user_id == actor.pk:
        raise InvalidSetting(_("You cannot take away your own admin role."))
    record(agency=agency, actor=actor, action=f"role.revoked.{membership.role}", target=membership,
           before={"user": membership.user.username, "role": membership.role, "department": membership.department_id})
    membership.delete()


# --- themes (추천테마) -----------------------------------------------------------------------
def _theme_on_site(agency: Agency, theme_id):
    from deliberation.proposals.models import Theme

    from deliberation.proposals.models import Proposal

    tagged = Proposal.themes.through.objects.filter(proposal__agency=agency).values("theme_id")
    hidden = HiddenTheme.objects.filter(agency=agency).values("theme_id")
    try:
        return Theme.objects.filter(Q(pk__in=tagged) | Q(pk__in=hidden)).get(pk=int(theme_id))
    except (Theme.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


@transaction.atomic
def set_theme_hidden(*, actor, agency: Agency, theme_id, hidden: bool) -> None:
    _require_admin(actor, agency)
    theme = _theme_on_site(agency, theme_id)
    if hidden:
        _, created = HiddenTheme.objects.get_or_create(agency=agency, theme=theme)
    else:
        created = bool(HiddenTheme.objects.filter(agency=agency, theme=theme).delete()[0])
    if created:
        record(agency=agency, actor=actor, action="theme.hidden" if hidden else "theme.shown", target=theme,
               after={"hidden": hidden})


@transaction.atomic
def merge_themes(*, actor, agency: Agency, source_id, target_id) -> int:
    """Re-tags this agency's proposals from `source` to `target` (other sites keep their tags).
    Returns the number of proposals re-tagged."""
    from deliberation.proposals.models import Proposal

    _require_admin(actor, agency)
    source, target = _theme_on_site(agency, source_id), _theme_on_site(agency, target_id)
    if source.pk == target.pk:
        raise InvalidSetting(_("Choose two different themes to merge."), field="target")
    through = Proposal.themes.through
    proposal_ids = list(through.objects.filter(theme=source, proposal__agency=agency).values_list("proposal_id", flat=True))
    already = set(through.objects.filter(theme=target, proposal_id__in=proposal_ids).values_list("proposal_id", flat=True))
    through.objects.bulk_create([through(proposal_id=pk, theme=target) for pk in proposal_ids if pk not in already])
    through.objects.filter(theme=source, proposal_id__in=proposal_ids).delete()
    HiddenTheme.objects.get_or_create(agency=agency, theme=source)
    record(agency=agency, actor=actor, action="theme.merged", target=source,
           before={"theme": source.name}, after={"into": target.name, "proposals": len(proposal_ids)})
    return len(proposal_ids)
