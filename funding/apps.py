from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("资金与长效管理")

    def ready(self):
        from projects.gates import register_gate
        from projects.public_sections import register_public_section

        from . import gates, public_sections

        register_gate("funding_covers_budget", gates.funding_covers_budget)
        register_gate("management_arranged", gates.management_arranged)
        register_public_section("public_income", public_sections.income_section, order=20)
