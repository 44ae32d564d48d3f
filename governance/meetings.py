"""Joint meetings (联席会议, issue 13 item 6) and their resolutions (决议), followed up to done.

A joint meeting is held at one level: the district (the quarterly property joint meeting of
departments and utilities), a street, a community or a neighbourhood (the three-level party joint
meetings). Its `level` is derived from the lowest unit given, never typed; the units above are
filled in from it (JointMeeting.clean). It is scoped like a funding source: a district-level
meeting has no street, so street and community staff do not see it, and it is written by
superusers (district officials only read); a street's meeting is written by the street's staff;
a community's or a neighbourhood's by its community's staff and their street's.

Each resolution names the unit responsible, a due date and a status that moves by
RESOLUTION_TRANSITIONS (one place lists every move; governance.services_meetings.resolution_move
refuses any other). Overdue: not done and past its due date (Resolution.objects.overdue()).

Imported by governance.models so Django finds the models. Writes go through
governance.services_meetings."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .bounds import LONG_TEXT_MAX, TEXT_MAX, DateChecks, bounded_text, check_dates
from .choices import Level
from .fields import check, staff_user


class MeetingLevel(models.TextChoices):
    DISTRICT = "district", _("区级")
    STREET = "street", _("街道级")
    COMMUNITY = "community", _("社区级")
    NEIGHBOURHOOD = "neighbourhood", _("小区级")


class MeetingKind(models.TextChoices):
    PARTY_JOINT = "party_joint", _("党建联席会议")
    PROPERTY_JOINT = "property_joint", _("物业管理联席会议")
    FOUR_PARTY = "four_party", _("四方联席会议")
    OTHER = "other", _("其他联席会议")


class ResolutionStatus(models.TextChoices):
    OPEN = "open", _("待办")
    IN_PROGRESS = "in_progress", _("办理中")
    DONE = "done", _("已办结")


# Every allowed move of a resolution's status (services_meetings.resolution_move refuses others).
RESOLUTION_TRANSITIONS = {
    ResolutionStatus.OPEN: {ResolutionStatus.IN_PROGRESS, ResolutionStatus.DONE},
    ResolutionStatus.IN_PROGRESS: {ResolutionStatus.DONE},
    ResolutionStatus.DONE: {ResolutionStatus.IN_PROGRESS},  # reopened, with a note saying why
}


class JointMeeting(models.Model):
    """One joint meeting: when, what kind, at which unit, who took part, what was discussed."""

    level = models.CharField(_("层级"), max_length=20, choices=MeetingLevel.choices, editable=False)
    district = models.ForeignKey(
        "governance.District", models.PROTECT, related_name="joint_meetings", verbose_name=_("区")
    )
    street = models.ForeignKey(
        "governance.Street", models.PROTECT, null=True, blank=True, related_name="joint_meetings", verbose_name=_("街道")
    )
    community = models.ForeignKey(
        "governance.Community",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="joint_meetings",
        verbose_name=_("社区"),
    )
    neighbourhood = models.ForeignKey(
        "governance.Neighbourhood",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="joint_meetings",
        verbose_name=_("小区"),
    )
    kind = models.CharField(_("会议类型"), max_length=20, choices=MeetingKind.choices)
    held_on = models.DateField(_("召开日期"))
    title = models.CharField(_("会议名称"), max_length=120)
    participants = bounded_text(
        _("参会单位和人员"),
        TEXT_MAX,
        help_text=_("职能部门、专业经营单位、物业服务企业、居民代表等，每行一个。不填写电话号码。"),
    )
    bodies = models.ManyToManyField(
        "governance.Body", blank=True, related_name="joint_meetings", verbose_name=_("参会自治组织")
    )
    topics = bounded_text(_("议题"), LONG_TEXT_MAX)
    created_by = staff_user(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    territory_lookups = {
        Level.DISTRICT: "district_id",
        Level.STREET: "street_id",
        Level.COMMUNITY: "community_id",
    }

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")
        ordering = ["-held_on", "-id"]

    def clean(self):
        super().clean()
        self.fill_units()
        check_dates(self, window=["held_on"])

    def fill_units(self):
        """Fill in the units above the lowest one given, and the level from it; refuse a unit that
        does not lie in the one above it (ValidationError naming the field)."""
        from .models import Community, Neighbourhood, Street

        errors = {}
        if self.neighbourhood_id is not None:
            community_id = Neighbourhood.objects.filter(pk=self.neighbourhood_id).values_list("community_id", flat=True).first()
            if self.community_id is None:
                self.community_id = community_id
            elif community_id != self.community_id:
                errors["neighbourhood"] = _("所选小区不属于所选社区。")
        if self.community_id is not None:
            street_id = Community.objects.filter(pk=self.community_id).values_list("street_id", flat=True).first()
            if self.street_id is None:
                self.street_id = street_id
            elif street_id != self.street_id:
                errors["community"] = _("所选社区不属于所选街道。")
        if self.street_id is not None:
            district_id = Street.objects.filter(pk=self.street_id).values_list("district_id", flat=True).first()
            if self.district_id is None:
                self.district_id = district_id
            elif district_id != self.district_id:
                errors["street"] = _("所选街道不属于所选区。")
        if self.district_id is None and not errors:
            errors["district"] = _("请选择召开会议的区、街道、社区或小区。")
        if errors:
            raise ValidationError(errors)
        self.level = (
            MeetingLevel.NEIGHBOURHOOD
            if self.neighbourhood_id
            else MeetingLevel.COMMUNITY
            if self.community_id
            else MeetingLevel.STREET
            if self.street_id
            else MeetingLevel.DISTRICT
        )

    def unit(self):
        """The unit the meeting was held at."""
        return self.neighbourhood or self.community or self.street or self.district

    def __str__(self):
        return f"{self.held_on} {self.title}"


class ResolutionQuerySet(models.QuerySet):
    def overdue(self, today=None):
        """Not done, and past the due date (the due day itself is not overdue)."""
        return self.exclude(status=ResolutionStatus.DONE).filter(due_on__lt=today or timezone.localdate())


class Resolution(DateChecks, models.Model):
    """One resolution of a joint meeting: what is to be done, by which unit, by when; followed to
    done through RESOLUTION_TRANSITIONS."""

    meeting = models.ForeignKey(JointMeeting, models.CASCADE, related_name="resolutions", verbose_name=_("联席会议"))
    text = bounded_text(_("决议事项"), TEXT_MAX)
    responsible_unit = models.CharField(_("责任单位"), max_length=120)
    due_on = models.DateField(_("办结时限"))
    status = models.CharField(
        _("办理状态"), max_length=20, choices=ResolutionStatus.choices, default=ResolutionStatus.OPEN, editable=False
    )
    done_on = models.DateField(_("办结日期"), null=True, blank=True, editable=False)
    progress = bounded_text(_("办理情况"), TEXT_MAX, blank=True)
    order = models.PositiveSmallIntegerField(_("序号"), default=0)

    objects = ResolutionQuerySet.as_manager()

    territory_lookups = {
        Level.DISTRICT: "meeting__district_id",
        Level.STREET: "meeting__street_id",
        Level.COMMUNITY: "meeting__community_id",
    }

    class Meta:
        verbose_name = _("联席会议决议")
        verbose_name_plural = _("联席会议决议")
        ordering = ["due_on", "meeting_id", "order", "id"]
        constraints = [
            check(
                Q(status="done", done_on__isnull=False) | (~Q(status="done") & Q(done_on__isnull=True)),
                "resolution_done_on_iff_done",
                _("已办结的决议须有办结日期，未办结的不能有。"),
            ),
        ]

    date_window = ["due_on", "done_on"]

    def is_overdue(self, today=None):
        return self.status != ResolutionStatus.DONE and self.due_on < (today or timezone.localdate())

    def __str__(self):
        return self.text[:40]
