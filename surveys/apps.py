from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("居民协商")

    def ready(self):
        from projects.gates import register_gate
        from projects.holdings import register_holding
        from projects.public_sections import register_public_section

        from . import gates, holdings, public_sections

        register_gate("consultation_complete", gates.consultation_complete)
        register_holding(holdings.consultation_holdings)
        register_gate("final_plan_passed", gates.final_plan_passed)
        register_public_section("votes", public_sections.votes_section, order=10)
