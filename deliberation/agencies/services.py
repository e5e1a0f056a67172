from django.db import IntegrityError, transaction

from deliberation.accounts.models import User

from .errors import SlugTaken
from .models import Agency, Department, Membership, Role


def register_agency(
    *, name: str, slug: str, primary_colour: str = "#1d4ed8", banner_text: str = "",
    admin: User | None = None,
) -> Agency:
    """Adds a partner agency; its site at /a/<slug>/ is live as soon as this commits."""
    try:
        with transaction.atomic():
            agency = Agency.objects.create(
                name=name, slug=slug, primary_colour=primary_colour, banner_text=banner_text
            )
            if admin is not None:
                Membership.objects.create(user=admin, agency=agency, role=Role.ADMIN)
    except IntegrityError:
        raise SlugTaken() from None
    return agency


def update_agency_settings(*, agency: Agency, **fields) -> Agency:
    allowed = {
        "name", "primary_colour", "banner_text", "support_period_days",
        "answer_threshold", "debate_threshold", "review_deadline_days",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not agency settings: {sorted(unknown)}")
    for key, value in fields.items():
        setattr(agency, key, value)
    agency.full_clean()
    agency.save(update_fields=list(fields))
    return agency


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
