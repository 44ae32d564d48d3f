from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("改造项目")

    def ready(self):
        from residents.report_referrals import register_referral

        from . import governance_sections, report_findings
        from .public_sections import register_public_section

        # governance (below projects) cannot register on the page; projects shows its records.
        register_public_section("stars", governance_sections.stars_section, order=5)
        register_public_section("grid_contacts", governance_sections.grid_section, order=7)
        register_public_section("disclosure", governance_sections.disclosure_section, order=6)
        # A works-quality report of a resident becomes a supervision finding of the project.
        register_referral(report_findings.REFERRAL)
        # "收集 N 条，办结 M 条" of residents' reports on the neighbourhood's page.
        register_public_section("resident_reports", report_findings.reports_section, order=30)
