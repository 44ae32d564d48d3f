"""Self-governance (issue 13, items 1 and 2): the bodies of a neighbourhood or of a community
(party branch, owners' committee ...), their members and terms, the composition rules a district
sets per kind of body, and the community's party members' ledger with its vanguard teams.

Imported by governance.models so Django finds the models. Writes go through
governance.services_bodies (one transaction, an actor, an audit row that never holds a phone).
Phone numbers are staff-only: never on a public page, never in an audit row.

A member carries a free-text address (楼栋/门牌); the optional link to a household lives in
`residents` (residents.models.BodyMemberHousehold), above this app, where households are."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .bounds import check_dates
from .choices import Level
from .fields import check

# A body whose term ends within this many days (or has ended) is due for re-election (待换届).
REELECTION_NOTICE_DAYS = 60

phone_validator = RegexValidator(r"^[0-9+\-() ]{5,20}$", _("电话号码只能包含数字、空格和 + - ( )。"))


class BodyKind(models.TextChoices):
    PARTY_BRANCH = "party_branch", _("小区党支部")
    PARTY_GROUP = "party_group", _("楼栋党小组")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    PROPERTY_COMMITTEE = "property_committee", _("物业管理委员会")
    SELF_MANAGEMENT = "self_management", _("自管委")
    WORKING_GROUP = "working_group", _("改造小组")
    SUPERVISION_TEAM = "supervision_team", _("监督小组")


class MemberRole(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DIRECTOR = "director", _("主任/组长")
    DEPUTY = "deputy", _("副书记/副主任")
    MEMBER = "member", _("委员/成员")


class PartyStatus(models.TextChoices):
    NONE = "", _("非党员")
    IN_SERVICE = "in_service", _("在职党员")
    RETIRED = "retired", _("离退休党员")
    FLOATING = "floating", _("流动党员")
    DOUBLE_REGISTRATION = "double_registration", _("双报到党员")


PARTY_KINDS = (BodyKind.PARTY_BRANCH, BodyKind.PARTY_GROUP)


def _community_lookups():
    return {
        Level.DISTRICT: "community__street__district_id",
        Level.STREET: "community__street_id",
        Level.COMMUNITY: "community_id",
    }


class CompositionRule(models.Model):
    """What a district requires of every body of one kind in it, checked whenever a body or its
    members are saved (governance.services_bodies.body_save). Set by superusers for the district."""

    district = models.ForeignKey(
        "governance.District", models.CASCADE, related_name="body_rules", verbose_name=_("区")
    )
    kind = models.CharField(_("组织类型"), max_length=30, choices=BodyKind.choices)
    odd_members = models.BooleanField(_("成员人数须为单数"), default=False)
    owners_at_least_half = models.BooleanField(_("业主成员不少于半数"), default=False)
    min_members = models.PositiveSmallIntegerField(_("最少成员人数"), default=0)
    max_members = models.PositiveSmallIntegerField(_("最多成员人数"), null=True, blank=True)

    territory_lookups = {Level.DISTRICT: "district_id"}

    class Meta:
        verbose_name = _("组成规则")
        verbose_name_plural = _("组成规则")
        ordering = ["district_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "kind"],
                name="composition_rule_one_per_kind",
                violation_error_message=_("该区已为此类组织设定了组成规则。"),
            ),
            check(
                Q(max_members__isnull=True) | Q(max_members__gte=models.F("min_members")),
                "composition_rule_max_above_min",
                _("最多成员人数不能少于最少成员人数。"),
            ),
        ]

    def __str__(self):
        return f"{self.district} · {self.get_kind_display()}"

    def violations(self, members):
        """The rules `members` (BodyMember rows, as they will be stored) break: one sentence each,
        naming the rule."""
        count = len(members)
        owners = sum(1 for m in members if m.is_owner)
        kind = self.get_kind_display()
        broken = []
        if self.min_members and count < self.min_members:
            broken.append(
                _("组成规则“最少成员人数”：%(kind)s至少须有%(min)s名成员，现有%(count)s名。")
                % {"kind": kind, "min": self.min_members, "count": count}
            )
        if self.max_members is not None and count > self.max_members:
            broken.append(
                _("组成规则“最多成员人数”：%(kind)s至多%(max)s名成员，现有%(count)s名。")
                % {"kind": kind, "max": self.max_members, "count": count}
            )
        if self.odd_members and count % 2 == 0:
            broken.append(
                _("组成规则“成员人数须为单数”：%(kind)s现有%(count)s名成员。") % {"kind": kind, "count": count}
            )
        if self.owners_at_least_half and owners * 2 < count:
            broken.append(
                _("组成规则“业主成员不少于半数”：%(kind)s%(count)s名成员中业主仅%(owners)s名。")
                % {"kind": kind, "count": count, "owners": owners}
            )
        return broken


class BodyQuerySet(models.QuerySet):
    def due_for_reelection(self, today=None):
        """Bodies whose term has ended or ends within REELECTION_NOTICE_DAYS (待换届)."""
        today = today or timezone.localdate()
        return self.filter(term_end__lte=today + datetime.timedelta(days=REELECTION_NOTICE_DAYS))

    def term_ended(self, today=None):
        return self.filter(term_end__lt=today or timezone.localdate())


class Body(models.Model):
    """One self-governance body of a neighbourhood, or of a community when it serves a group of
    scattered buildings (`neighbourhood` empty). Its community is always set (the neighbourhood's
    own, filled in by clean())."""

    community = models.ForeignKey(
        "governance.Community", models.PROTECT, related_name="bodies", verbose_name=_("社区")
    )
    neighbourhood = models.ForeignKey(
        "governance.Neighbourhood",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="bodies",
        verbose_name=_("小区"),
        help_text=_("留空表示社区层面的组织（如散居楼栋的联合组织）。"),
    )
    kind = models.CharField(_("组织类型"), max_length=30, choices=BodyKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    led_by = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_bodies",
        verbose_name=_("牵头党组织"),
        help_text=_("改造小组等由小区党支部牵头时选择；须为同一社区的党支部或党小组。"),
    )
    term_start = models.DateField(_("任期开始"), null=True, blank=True)
    term_end = models.DateField(_("任期结束"), null=True, blank=True, help_text=_("留空表示不设任期。"))
    note = models.TextField(_("备注"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = BodyQuerySet.as_manager()

    territory_lookups = _community_lookups()

    class Meta:
        verbose_name = _("自治组织")
        verbose_name_plural = _("自治组织")
        ordering = ["community_id", "neighbourhood_id", "kind", "id"]
        constraints = [
            check(
                Q(term_end__isnull=True) | Q(term_start__isnull=True) | Q(term_end__gte=models.F("term_start")),
                "body_term_end_after_start",
                _("任期结束不能早于任期开始。"),
            ),
        ]

    def clean(self):
        super().clean()
        if self.neighbourhood_id is not None:
            from .models import Neighbourhood

            community_id = Neighbourhood.objects.filter(pk=self.neighbourhood_id).values_list(
                "community_id", flat=True
            ).first()
            if self.community_id is None:
                self.community_id = community_id
            elif community_id is not None and community_id != self.community_id:
                raise ValidationError({"neighbourhood": _("所选小区不属于所选社区。")})
        if self.led_by_id is not None:
            leader = Body.objects.filter(pk=self.led_by_id).values("kind", "community_id").first()
            if leader is None or leader["kind"] not in PARTY_KINDS:
                raise ValidationError({"led_by": _("牵头组织须为党支部或党小组。")})
            if self.community_id is not None and leader["community_id"] != self.community_id:
                raise ValidationError({"led_by": _("牵头党组织须属于同一社区。")})
            if self.pk is not None and self.led_by_id == self.pk:
                raise ValidationError({"led_by": _("组织不能由自己牵头。")})
        check_dates(self, window=["term_start", "term_end"], order=[("term_start", "term_end", False)])

    def __str__(self):
        return self.name

    def term_status(self, today=None):
        """"ended", "due" (ends within REELECTION_NOTICE_DAYS) or "" (no term, or far off)."""
        if self.term_end is None:
            return ""
        today = today or timezone.localdate()
        if self.term_end < today:
            return "ended"
        if self.term_end <= today + datetime.timedelta(days=REELECTION_NOTICE_DAYS):
            return "due"
        return ""


class BodyMember(models.Model):
    """A member of a body. The phone is staff-only."""

    body = models.ForeignKey(Body, models.CASCADE, related_name="members", verbose_name=_("自治组织"))
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("职务"), max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER)
    address = models.CharField(_("住址（楼栋/门牌）"), max_length=100, blank=True)
    is_owner = models.BooleanField(_("业主"), default=False)
    party_status = models.CharField(
        _("党员身份"), max_length=30, choices=PartyStatus.choices, blank=True, default=PartyStatus.NONE
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[phone_validator])
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    territory_lookups = {
        Level.DISTRICT: "body__community__street__district_id",
        Level.STREET: "body__community__street_id",
        Level.COMMUNITY: "body__community_id",
    }

    class Meta:
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")
        ordering = ["body_id", "order", "id"]

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"


# ---- the party members' ledger (党员台账) and vanguard teams (党员先锋队) -------------------------


class LedgerCategory(models.TextChoices):
    COMMUNITY = "community", _("社区党员")
    IN_SERVICE = "in_service", _("在职党员（双报到）")
    FLOATING = "floating", _("流动党员")


class PartyMember(models.Model):
    """One row of a community's party members' ledger. Staff-only; the phone never leaves the
    admin (no public page, no API, no audit row). No ID number is kept."""

    community = models.ForeignKey(
        "governance.Community", models.PROTECT, related_name="party_members", verbose_name=_("社区")
    )
    neighbourhood = models.ForeignKey(
        "governance.Neighbourhood",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居住小区"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    category = models.CharField(_("台账类别"), max_length=20, choices=LedgerCategory.choices)
    organisation = models.CharField(
        _("组织关系所在党组织/工作单位"), max_length=120, blank=True
    )
    joined_on = models.DateField(_("报到日期"), null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[phone_validator])
    note = models.TextField(_("备注"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    territory_lookups = _community_lookups()

    class Meta:
        verbose_name = _("党员台账")
        verbose_name_plural = _("党员台账")
        ordering = ["community_id", "category", "name", "id"]

    def clean(self):
        super().clean()
        if self.neighbourhood_id is not None and self.community_id is not None:
            from .models import Neighbourhood

            if not Neighbourhood.objects.filter(pk=self.neighbourhood_id, community_id=self.community_id).exists():
                raise ValidationError({"neighbourhood": _("所选小区不属于所选社区。")})
        check_dates(self, window=["joined_on"])

    def __str__(self):
        return f"{self.name}（{self.get_category_display()}）"


class VanguardTeam(models.Model):
    """A party members' vanguard team (党员先锋队) of a community, from its ledger."""

    community = models.ForeignKey(
        "governance.Community", models.PROTECT, related_name="vanguard_teams", verbose_name=_("社区")
    )
    name = models.CharField(_("名称"), max_length=100)
    purpose = models.CharField(_("服务内容"), max_length=200, blank=True)
    members = models.ManyToManyField(PartyMember, blank=True, related_name="vanguard_teams", verbose_name=_("队员"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    territory_lookups = _community_lookups()

    class Meta:
        verbose_name = _("党员先锋队")
        verbose_name_plural = _("党员先锋队")
        ordering = ["community_id", "name", "id"]

    def __str__(self):
        return self.name
