"""Disclosure (三公开, issue 13 item 8): party affairs (党务), committee affairs (业委会、物管会事务)
and property services (物业服务) published by staff as dated entries of a neighbourhood, with
attachments (PDF, JPEG, PNG checked by governance.attachments). Entries whose publication day has
come show on the neighbourhood's public page (a section registered by projects: projects/apps.py).
What is published is public: staff write no personal data into it.

Imported by governance.models so Django finds the models. Writes go through
governance.services_disclosure."""

import os
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .bounds import LONG_TEXT_MAX, DateChecks, bounded_text
from .fields import staff_user
from .scoping import territory_via

MAX_ATTACHMENTS = 5


class DisclosureCategory(models.TextChoices):
    PARTY_AFFAIRS = "party_affairs", _("党务公开")
    COMMITTEE_AFFAIRS = "committee_affairs", _("业委会（物管会）事务公开")
    PROPERTY_SERVICES = "property_services", _("物业服务公开")


class Disclosure(DateChecks, models.Model):
    """One published entry of a neighbourhood."""

    neighbourhood = models.ForeignKey(
        "governance.Neighbourhood", models.PROTECT, related_name="disclosures", verbose_name=_("小区")
    )
    category = models.CharField(_("公开类别"), max_length=30, choices=DisclosureCategory.choices)
    title = models.CharField(_("标题"), max_length=120)
    body = bounded_text(_("公开内容"), LONG_TEXT_MAX, help_text=_("公开内容面向全体居民，请勿填写个人电话、身份证号等信息。"))
    published_on = models.DateField(_("公开日期"), help_text=_("当天起在小区公开页显示。"))
    published_by = staff_user(_("发布人"), editable=False)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("三公开")
        verbose_name_plural = _("三公开")
        ordering = ["-published_on", "-id"]

    date_window = ["published_on"]

    def __str__(self):
        return self.title


def _attachment_path(instance, filename):
    extension = os.path.splitext(filename)[1].lower()[:10]
    return f"governance/disclosures/{uuid.uuid4().hex}{extension}"


class DisclosureAttachment(models.Model):
    """A file of a disclosure, stored under a generated name once checked (and, for an image,
    re-encoded without its metadata) by governance.attachments.prepare_attachment."""

    disclosure = models.ForeignKey(Disclosure, models.CASCADE, related_name="attachments", verbose_name=_("公开事项"))
    file = models.FileField(_("附件"), upload_to=_attachment_path, help_text=_("PDF、JPEG 或 PNG，不超过 10 MB。"))
    label = models.CharField(_("附件名称"), max_length=100, blank=True)
    kind = models.CharField(_("文件类型"), max_length=10, editable=False)
    size = models.PositiveIntegerField(_("大小(字节)"), default=0, editable=False)

    territory_lookups = territory_via("disclosure__neighbourhood")

    class Meta:
        verbose_name = _("公开附件")
        verbose_name_plural = _("公开附件")
        ordering = ["disclosure_id", "id"]

    def __str__(self):
        return self.label or os.path.basename(self.file.name)


def public_disclosures(neighbourhood, limit=10):
    """The neighbourhood's entries published by today, newest first, with their attachments:
    (rows, count). Two queries (the entries with their count, the attachments)."""
    today = timezone.localdate()
    published = Disclosure.objects.filter(neighbourhood=neighbourhood, published_on__lte=today)
    rows = list(
        published.annotate(total=models.Window(models.Count("id")))
        .prefetch_related("attachments")
        .order_by("-published_on", "-id")[:limit]
    )
    return rows, (rows[0].total if rows else 0)
