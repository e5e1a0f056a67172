from django.db import IntegrityError, transaction

from deliberation.accounts.models import User
from deliberation.audit.services import record
from deliberation.errors import DomainError

from .errors import SlugTaken
from .site_settings import colour_problem

from .models import Agency, Department, Membership, PlatformSettings, Role


def register_agency(
    *, name: str, slug: str, primary_colour: str = "#1d4ed8", banner_text: str = "",
    admin: User | None = None, actor: User | None = None,
) -> Agency:
    """Adds a partner agency; its site at /a/<slug>/ is live as soon as this commits. Its
    policy numbers start from the platform's base settings. A colour that would fail WCAG AA
    somewhere the theme draws it is refused here too, not only by the forms (scripts, the API)."""
    _require_accessible_colour(primary_colour)
    base = PlatformSettings.load()
    try:
        with transaction.atomic():
            agency = Agency.objects.create(
                name=name, slug=slug, primary_colour=primary_colour, banner_text=banner_text,
                support_period_days=base.default_support_period_days,
                answer_threshold=base.default_answer_threshold,
                debate_threshold=base.default_debate_threshold,
                review_deadline_days=base.default_review_deadline_days,
            )
            if admin is not None:
                Membership.objects.create(user=admin, agency=agency, role=Role.ADMIN)
            if actor is not None:
                record(agency=agency, actor=actor, action="agency.registered", target=agency,
                       after={"slug": slug, "name": name, "admin": admin.username if admin else None})
    except IntegrityError:
        raise SlugTaken() from None
    return agency


def update_agency_settings(*, agency: Agency, **fields) -> Agency:
    """Plain settings write without an actor (scripts and tests); the back office goes through
    site_settings.update_site_settings, which checks, audits and handles the logo."""
    allowed = {
        "name", "primary_colour", "banner_text", "support_period_days",
        "answer_threshold", "debate_threshold", "review_deadline_days",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not agency settings: {sorted(unknown)}")
    if "primary_colour" in fields:
        _require_accessible_colour(fields["primary_colour"])
    for key, value in fields.items():
        setattr(agency, key, value)
    agency.full_clean()
    agency.save(update_fields=list(fields))
    return agency


def _require_accessible_colour(colour: str) -> None:
    problem = colour_problem(colour)
    if problem is not None:
        raise DomainError(problem)


def add_department(*, agency: Agency, name: str) -> Department:
    department, _ = Department.objects.get_or_create(agency=agency, name=name)
    return department


def grant_role(*, user: User, agency: Agency, role: str, department: Department | None = None) -> Membership:
    if department is not None and department.agency_id != agency.id:
        raise ValueError("department belongs to another agency")
    membership, _ = Membership.objects.get_or_create(
        user=user, agency=agency, role=role, defaults={"department": department}
    )
    return membership
