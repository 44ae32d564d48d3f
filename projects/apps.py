from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("改造项目")

    def ready(self):
        from . import governance_sections
        from .public_sections import register_public_section

        # governance (below projects) cannot register on the page; projects shows its records.
        register_public_section("stars", governance_sections.stars_section, order=5)
        register_public_section("disclosure", governance_sections.disclosure_section, order=6)
