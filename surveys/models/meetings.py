"""Meetings (with their photos) and visits of a consultation."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.bounds import LONG_TEXT_MAX, DateChecks, bounded_text
from governance.fields import staff_user
from governance.models import Neighbourhood
from governance.scoping import territory_via
from residents.models import Household

from ..choices import MeetingKind
from .steps import ConsultationProcess, ConsultationStep


class Meeting(DateChecks, models.Model):
    process = models.ForeignKey(
        ConsultationProcess, models.CASCADE, related_name="meetings", verbose_name=_("协商程序")
    )
    step = models.ForeignKey(
        ConsultationStep,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("步骤"),
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood, models.PROTECT, related_name="meetings", verbose_name=_("小区")
    )
    kind = models.CharField(_("会议类型"), max_length=20, choices=MeetingKind.choices)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=120)
    attendees = models.PositiveIntegerField(_("参会人数"), default=0)
    households_represented = models.PositiveIntegerField(_("代表户数"), default=0)
    minutes = bounded_text(_("会议纪要"), LONG_TEXT_MAX, blank=True)
    recorded_by = staff_user(_("登记人"))

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("协商会议")
        verbose_name_plural = _("协商会议")
        ordering = ["-held_on", "-id"]

    date_window = ["held_on"]

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()}"


class Visit(DateChecks, models.Model):
    process = models.ForeignKey(
        ConsultationProcess, models.CASCADE, related_name="visits", verbose_name=_("协商程序")
    )
    step = models.ForeignKey(
        ConsultationStep, models.PROTECT, null=True, blank=True, related_name="visits", verbose_name=_("步骤")
    )
    household = models.ForeignKey(Household, models.CASCADE, related_name="visits", verbose_name=_("住户"))
    staff = staff_user(_("走访人"))
    visited_on = models.DateField(_("走访日期"))
    notes = bounded_text(_("走访记录"), LONG_TEXT_MAX, blank=True)

    territory_lookups = territory_via("household__neighbourhood")

    class Meta:
        verbose_name = _("入户走访")
        verbose_name_plural = _("入户走访")
        ordering = ["-visited_on", "-id"]

    date_window = ["visited_on"]

    def __str__(self):
        return f"{self.visited_on} {self.household}"


def _meeting_photo_path(instance, filename):
    return f"surveys/meetings/{filename}"


class MeetingPhoto(models.Model):
    """A photo of a meeting (evidence of a down step), stored re-encoded without EXIF under a uuid
    name (governance.photos)."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="photos", verbose_name=_("会议"))
    image = models.ImageField(_("照片"), upload_to=_meeting_photo_path)
    thumbnail = models.ImageField(_("缩略图"), upload_to=_meeting_photo_path)
    uid = models.UUIDField(_("编号"), unique=True, editable=False)
    caption = models.CharField(_("说明"), max_length=120, blank=True)

    territory_lookups = territory_via("meeting__neighbourhood")

    class Meta:
        verbose_name = _("会议照片")
        verbose_name_plural = _("会议照片")
        ordering = ["meeting_id", "id"]

    def __str__(self):
        return self.caption or str(self.uid)
