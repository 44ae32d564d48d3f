from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """The three administrative levels a staff role is attached to, coarsest first."""

    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")


LEVEL_ORDER = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)


class RoleKind(models.TextChoices):
    CITY_OFFICIAL = "city_official", _("市住建局（全市只读）")
    DISTRICT_OFFICIAL = "district_official", _("区级管理人员（只读）")
    STREET_STAFF = "street_staff", _("街道工作人员")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")


# Which territory level each role is attached to, and whether it may write. The city official
# (市住建局) is attached to no territory row: it reads every district of the deployment.
ROLE_LEVEL = {
    RoleKind.CITY_OFFICIAL: None,
    RoleKind.DISTRICT_OFFICIAL: Level.DISTRICT,
    RoleKind.STREET_STAFF: Level.STREET,
    RoleKind.COMMUNITY_STAFF: Level.COMMUNITY,
}
ROLE_MAY_WRITE = {
    RoleKind.CITY_OFFICIAL: False,
    RoleKind.DISTRICT_OFFICIAL: False,
    RoleKind.STREET_STAFF: True,
    RoleKind.COMMUNITY_STAFF: True,
}


class EligibilityStatus(models.TextChoices):
    ELIGIBLE = "eligible", _("符合年代要求")
    ADMITTED = "admitted", _("破格纳入")
    INELIGIBLE = "ineligible", _("不符合（建成晚于截止日）")
