from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("辖区与治理")

    def ready(self):
        from . import admin_management  # noqa: F401  (registers the long-term management admin)
        from . import admin_bodies  # noqa: F401  (self-governance bodies and the party ledger)
        from . import admin_meetings  # noqa: F401  (joint meetings and their resolutions)
        from . import admin_stars  # noqa: F401  (star ratings of neighbourhoods)
        from . import admin_disclosure  # noqa: F401  (disclosure: 三公开)
        from . import admin_providers  # noqa: F401  (the providers' register)
        from . import admin_grid  # noqa: F401  (grid roles: the five heads and grid workers)
        from . import admin_logins  # noqa: F401  (the limited admin login and the unlock page)
