from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExecutionsConfig(AppConfig):
    name = "deliberation.executions"
    label = "executions"
    verbose_name = _("Execution tracking")
