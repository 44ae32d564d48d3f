from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("住户")

    def ready(self):
        from . import admin_reports  # noqa: F401  (the queue of residents' reports)
        from .totals import register

        register()  # the household totals of governance.totals
