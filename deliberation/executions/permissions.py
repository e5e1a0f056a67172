"""Who may do what with execution items. Agency admins (and the platform admin) run the
items of their agency; a department officer posts updates on the items of their department."""

from deliberation.agencies.models import Agency, Membership, Role
from deliberation.agencies.permissions import can_administer

from .models import ExecutionItem


def officer_department_ids(user, agency: Agency) -> list[int]:
    if not (user.is_authenticated and user.is_active):
        return []
    return list(Membership.objects.filter(user=user, agency=agency, role=Role.OFFICER)
                .values_list("department_id", flat=True))


def can_manage_executions(user, agency: Agency) -> bool:
    """Create, edit, change visibility, export, add and remove materials."""
    return can_administer(user, agency)


def can_open_back_office(user, agency: Agency) -> bool:
    """The back-office list: admins see every item of the agency, officers their department's."""
    return can_administer(user, agency) or bool(officer_department_ids(user, agency))


def can_post_update(user, item: ExecutionItem) -> bool:
    return can_administer(user, item.agency) or item.department_id in officer_department_ids(user, item.agency)
