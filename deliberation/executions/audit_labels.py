"""How the back office's audit log names execution actions and fields (merged into the
proposals' audit log labels, which render every agency's log)."""

from django.utils.translation import gettext_lazy as _

from .models import ExecutionStatus

ACTION_LABELS = {
    "execution.created": _("Execution item created"),
    "execution.edited": _("Execution item edited"),
    "execution.updated": _("Execution update posted"),
    "execution.status_changed": _("Execution status changed"),
    "execution.make_public": _("Execution item made public"),
    "execution.make_hidden": _("Execution item hidden"),
    "execution.material_added": _("Execution material added"),
    "execution.material_removed": _("Execution material removed"),
}
FIELD_LABELS = {
    "execution_status": (_("Execution status"), ExecutionStatus),
    "status_changed_on": (_("Status since"), None),
    "happened_on": (_("Date"), None),
    "update": (_("Update no."), None),
    "material": (_("Material no."), None),
}
