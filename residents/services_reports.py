"""Writes of residents' reports (随时反馈). Keyword-only arguments, an explicit actor (None where the
household acts through its code), one transaction, one audit row. The audit rows carry the
category, the status and the lengths of texts, never the texts themselves: a resident may type a
phone number or an ID number into a report, and staff may quote it in an answer.

The moves follow residents.reports.REPORT_TRANSITIONS; every refusal names its field.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.bounds import TEXT_MAX
from governance.photos import prepare_photo
from governance.scoping import can_manage
from governance.services import audit

from .forms import one_newline
from .models import Household
from .reports import (
    REPORT_PHOTOS_MAX,
    REPORT_TEXT_MAX,
    REPORT_TRANSITIONS,
    REPORTS_PER_DAY,
    REPORTS_WAITING_MAX,
    ReportCategory,
    ReportStatus,
    ResidentReport,
    ResidentReportPhoto,
)


def _delete_files(photo):
    for field in (photo.image, photo.thumbnail):
        if field.name:
            field.storage.delete(field.name)


def report_submit(*, household, category, text, photos=(), now=None):
    """A household reports a problem of its neighbourhood, through `/me/` (the household code
    identified it: no staff actor). Refuses, writing nothing: an unknown category; empty text or
    text over REPORT_TEXT_MAX characters; more than REPORT_PHOTOS_MAX photos or one that fails the
    photo checks (governance.photos: size, content type, pixels, decoding; stored re-encoded without
    EXIF); a household with REPORTS_WAITING_MAX reports still waiting for an answer, or with
    REPORTS_PER_DAY reports in the last 24 hours. The limits are checked under a lock on the
    household's row, so parallel submissions cannot pass them together."""
    now = now or timezone.now()
    text = one_newline(text or "").strip()
    photos = list(photos)
    _check_report(category, text, photos)
    prepared = prepare_photos(photos)
    stored = []
    try:
        with transaction.atomic():
            locked = Household.objects.select_for_update().only("pk", "neighbourhood_id").get(pk=household.pk)
            _check_household_limits(locked, now)
            report = ResidentReport.objects.create(
                household_id=locked.pk,
                neighbourhood_id=locked.neighbourhood_id,
                category=category,
                text=text,
                submitted_at=now,
            )
            _store_photos(report, prepared, stored)
            audit(
                actor=None,
                action="report_submit",
                target=report,
                summary=report.get_category_display(),
                details={"household": locked.pk, "category": category, "length": len(text), "photos": len(prepared)},
            )
    except Exception:
        for row in stored:  # files written before the rows were rolled back
            _delete_files(row)
        raise
    return report


def _check_report(category, text, photos):
    """Refuse (ValidationError naming each field) an unknown category, an empty or over-long text
    and too many photos."""
    errors = {}
    if category not in ReportCategory.values:
        errors["category"] = _("请选择反映问题的类别。")
    if not text:
        errors["text"] = _("请填写反映的问题。")
    elif len(text) > REPORT_TEXT_MAX:
        errors["text"] = _("“反映内容”最多%(limit)d字，现有%(count)d字，请删减后再提交。") % {
            "limit": REPORT_TEXT_MAX,
            "count": len(text),
        }
    if len(photos) > REPORT_PHOTOS_MAX:
        errors["photos"] = _("最多上传%(n)d张照片。") % {"n": REPORT_PHOTOS_MAX}
    if errors:
        raise ValidationError(errors)


def prepare_photos(photos):
    """Each uploaded photo checked and cleaned (governance.photos.prepare_photo), in order; a
    refusal names the photo by its number (ValidationError on `photos`)."""
    prepared = []
    for number, upload in enumerate(photos, start=1):
        try:
            prepared.append(prepare_photo(upload))
        except ValidationError as exc:
            raise ValidationError(
                {"photos": [_("第%(n)d张照片：%(e)s") % {"n": number, "e": m} for m in exc.messages]}
            ) from exc
    return prepared


def _check_household_limits(household, now):
    """Refuse a household (its row locked) with REPORTS_WAITING_MAX reports waiting for an answer,
    or REPORTS_PER_DAY reports in the 24 hours before `now`."""
    mine = ResidentReport.objects.filter(household_id=household.pk)
    waiting = mine.filter(status=ReportStatus.OPEN).count()
    if waiting >= REPORTS_WAITING_MAX:
        raise ValidationError(
            _("您家已有%(n)d条反映在等待答复，请等答复后再反映新的问题。") % {"n": waiting}
        )
    recent = mine.filter(submitted_at__gt=now - datetime.timedelta(hours=24)).count()
    if recent >= REPORTS_PER_DAY:
        raise ValidationError(
            _("每户24小时内最多反映%(n)d条问题，请明天再来。") % {"n": REPORTS_PER_DAY}
        )


def _store_photos(report, prepared, stored):
    """Save the prepared photos as the report's rows, each appended to `stored` as soon as its
    files are written (so a failure can remove them)."""
    for photo in prepared:
        row = ResidentReportPhoto(report=report, uid=photo.uid)
        row.image.save(photo.image.name, photo.image, save=False)
        stored.append(row)
        row.thumbnail.save(photo.thumbnail.name, photo.thumbnail, save=False)
        row.save()


def _locked_for_move(report, to, actor):
    """The report locked, after checking that the actor manages it and that the table allows the
    move; PermissionDenied or ValidationError otherwise."""
    locked = ResidentReport.objects.select_for_update().get(pk=report.pk)
    if not can_manage(actor, locked):
        raise PermissionDenied
    if to not in REPORT_TRANSITIONS[ReportStatus(locked.status)]:
        raise ValidationError(
            {"status": _("该反映当前为“%(status)s”，不能改为“%(to)s”。")
             % {"status": locked.get_status_display(), "to": ReportStatus(to).label}}
        )
    return locked


def _save_move(locked, fields, *, action, actor, **details):
    """Save the moved report's `fields` and write its audit row: the category, the new status and
    the answer's length (never its text), and `details`."""
    locked.save(update_fields=fields)
    audit(
        actor=actor,
        action=action,
        target=locked,
        summary=locked.get_category_display(),
        details={"status": locked.status, "length": len(locked.answer), **details},
    )


def _save_answered(locked, answer, *, status, action, actor):
    """Give the moved report `actor`'s answer and its new `status`, and save it (_save_move)."""
    locked.answer, locked.answered_at, locked.answered_by = answer, timezone.now(), actor
    locked.status = status
    _save_move(locked, ["answer", "answered_at", "answered_by", "status"], action=action, actor=actor)


def _clean_answer(answer, *, required=True):
    answer = one_newline(answer or "").strip()
    if required and not answer:
        raise ValidationError({"answer": _("请填写答复内容。")})
    if len(answer) > TEXT_MAX:
        raise ValidationError(
            {"answer": _("“答复”最多%(limit)d字，现有%(count)d字。") % {"limit": TEXT_MAX, "count": len(answer)}}
        )
    return answer


def report_answer(*, report, answer, actor):
    """Staff answer an open report; the household sees the answer on `/me/`. Refuses an empty or
    over-long answer, a report already answered, referred or closed, and staff who do not manage its
    neighbourhood (PermissionDenied)."""
    answer = _clean_answer(answer)
    with transaction.atomic():
        locked = _locked_for_move(report, ReportStatus.ANSWERED, actor)
        _save_answered(locked, answer, status=ReportStatus.ANSWERED, action="report_answer", actor=actor)
    return locked


def report_close(*, report, actor, answer=""):
    """Staff close a report (办结). An open report is closed with its answer (`answer` required); an
    answered or referred one may add a closing word to its answer. Refuses a report already closed
    and staff who do not manage it."""
    with transaction.atomic():
        locked = _locked_for_move(report, ReportStatus.CLOSED, actor)
        answer = _clean_answer(answer, required=not locked.answer)
        now = timezone.now()
        if answer:
            combined = f"{locked.answer}\n{answer}" if locked.answer else answer
            locked.answer = _clean_answer(combined)
            if not locked.answered_at:
                locked.answered_at, locked.answered_by = now, actor
        locked.status, locked.closed_at, locked.closed_by = ReportStatus.CLOSED, now, actor
        _save_move(
            locked,
            ["answer", "answered_at", "answered_by", "status", "closed_at", "closed_by"],
            action="report_close",
            actor=actor,
        )
    return locked


def report_refer(*, report, answer, actor):
    """Mark a works-quality report as turned into a supervision finding, with the answer the
    household reads. Called by the app that makes the finding (projects.report_findings), inside
    its transaction; refuses another category, a report closed or already referred, and staff who
    do not manage it."""
    answer = _clean_answer(answer)
    with transaction.atomic():
        locked = _locked_for_move(report, ReportStatus.REFERRED, actor)
        if locked.category != ReportCategory.WORKS_QUALITY:
            raise ValidationError(
                {"category": _("只有“工程质量”类的反映可以转为质量监督问题。")}
            )
        _save_answered(locked, answer, status=ReportStatus.REFERRED, action="report_refer", actor=actor)
    return locked


def report_close_with_finding(*, report, note, actor):
    """Close a referred report when the supervision finding made of it is resolved, adding the
    resolution note to the answer the household reads. Called by projects.services.finding_resolve
    inside its transaction, which has checked that the actor manages the finding's project (so
    this does not ask again: a street's staff resolving a bundled project's finding close its
    reports in every neighbourhood of it). A report not referred is left as it is."""
    with transaction.atomic():
        locked = ResidentReport.objects.select_for_update().get(pk=report.pk)
        if locked.status != ReportStatus.REFERRED:
            return locked
        closing = _("整改完成：%(note)s") % {"note": one_newline(note or "").strip()}
        combined = f"{locked.answer}\n{closing}"
        locked.answer = combined[:TEXT_MAX]
        locked.status, locked.closed_at, locked.closed_by = ReportStatus.CLOSED, timezone.now(), actor
        _save_move(
            locked,
            ["answer", "status", "closed_at", "closed_by"],
            action="report_close",
            actor=actor,
            by_finding=True,
        )
    return locked
