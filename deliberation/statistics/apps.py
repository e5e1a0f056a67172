from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatisticsConfig(AppConfig):
    """Reads only: figures computed from the other apps' rows, no models of its own."""

    name = "deliberation.statistics"
    label = "statistics"
    verbose_name = _("Statistics")
