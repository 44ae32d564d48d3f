"""Demand lists: opening them, their intro, and a household's submission."""

import secrets

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import prepared
from governance.scoping import require_manage
from governance.models import Community, Neighbourhood, Street
from governance.services import audit, audit_insert_params, audit_insert_sql
from projects.models import CatalogueItem
from projects.querysets import is_offered_in, offered_in_sql
from residents.models import Household
from residents.services_reports import prepare_photos
from residents.session import code_still_valid

from ..choices import StepStatus, SubmissionChannel
from ..models import (
    DEMAND_PHOTOS_MAX,
    DEMAND_TEXT_MAX,
    ConsultationProcess,
    DemandList,
    DemandPhoto,
    DemandSubmission,
)


def demand_list_intro_set(*, demand_list, intro, actor):
    """Change the instructions shown above a demand list's form."""
    with transaction.atomic():
        locked = DemandList.objects.select_for_update().get(pk=demand_list.pk)
        require_manage(actor, locked)
        locked.intro = (intro or "").strip()
        locked.save(update_fields=["intro"])
        audit(actor=actor, action="demand_list_intro", target=locked, summary=locked.intro[:100])
    return locked


RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def _receipt():
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))


def demand_lists_open(*, project, actor, intro="", now=None):
    """Open the demand list of every neighbourhood of the project (those not yet having one) while
    the consultation's collecting step (D1) is open. Returns the lists created."""
    process = ConsultationProcess.objects.filter(project=project).first()
    if process is None:
        raise ValidationError(_("须先启动协商程序，才能征集需求清单。"))
    collecting = process.steps.filter(closes_demand_list=True).first()
    if collecting is None or collecting.status != StepStatus.OPEN:
        raise ValidationError(_("需求清单只在“%(step)s”进行期间征集。") % {"step": collecting or "D1"})
    with transaction.atomic():
        require_manage(actor, project)
        existing = set(project.demand_lists.values_list("neighbourhood_id", flat=True))
        created = [
            DemandList.objects.create(project=project, neighbourhood=n, intro=intro)
            for n in project.neighbourhoods.order_by("pk")
            if n.pk not in existing
        ]
        for demand_list in created:
            audit(actor=actor, action="demand_list_open", target=demand_list, summary=str(demand_list))
    return created


def _demand_list_open_and_household_locked(list_pk, household_pk):
    """Whether the demand list is open, read under a shared row lock (PostgreSQL FOR SHARE), with
    the household's row locked FOR NO KEY UPDATE, both held to the end of the caller's transaction
    and taken by one statement.

    Shared locks do not conflict with each other, so a neighbourhood's submissions run side by side;
    they do conflict with the row lock of the UPDATE that closes the list (step_complete), so the
    close waits for every submission in flight, and a submission that waited on a close reads the
    closed row (READ COMMITTED re-reads the locked row). The household's lock writes one
    household's submissions one after another, each seeing the one before it; other households
    are not held up, and FOR NO KEY UPDATE does not block rows that only reference the household.
    Django's select_for_update has no FOR SHARE nor two strengths in one query, hence the raw
    query. SQLite has no row locks: one writer at a time serialises it.
    """
    qn = connection.ops.quote_name
    lists, homes = qn(DemandList._meta.db_table), qn(Household._meta.db_table)
    sql = (
        f"SELECT l.{qn('is_open')} FROM {lists} l, {homes} h "
        f"WHERE l.{qn(DemandList._meta.pk.column)} = %s AND h.{qn(Household._meta.pk.column)} = %s"
    )
    if connection.vendor == "postgresql":
        sql += " FOR SHARE OF l FOR NO KEY UPDATE OF h"
    with connection.cursor() as cursor:
        cursor.execute(sql, [list_pk, household_pk])
        row = cursor.fetchone()
    return bool(row and row[0])


def _demand_current_retire(list_pk, household_pk):
    """Mark the household's current submission to the list as no longer current, in one UPDATE;
    the id of the submission it retired, or None. Called with the household's row locked, so no
    other submission of the household is in flight."""
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(DemandSubmission._meta.db_table)} SET {qn('is_current')} = %s "
        f"WHERE {qn('demand_list_id')} = %s AND {qn('household_id')} = %s AND {qn('is_current')} = %s "
        f"RETURNING {qn('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [False, list_pk, household_pk, True])
        rows = cursor.fetchall()
    return rows[0][0] if rows else None


def _demand_errors(demand_list, household, items, text, photos, channel):
    """The errors of a demand submission by field (empty when it may be written)."""
    errors = {}
    if channel not in SubmissionChannel.values:
        errors["channel"] = _("提交方式无效。")
    if household.neighbourhood_id != demand_list.neighbourhood_id:
        errors["household"] = _("该住户不属于本需求清单所在的小区。")
    if not items and not text:
        errors["items"] = _("请至少勾选一项改造内容，或填写其他需求。")
    if len(text) > DEMAND_TEXT_MAX:
        errors["text"] = _("其他需求不能超过%(n)d字。") % {"n": DEMAND_TEXT_MAX}
    district_id = demand_list.neighbourhood.community.street.district_id
    bad = [i.name for i in items if not is_offered_in(i, district_id)]
    if bad:
        errors["items"] = _("以下改造内容不可选择：%(names)s。") % {"names": _("、").join(bad)}
    if len(photos) > DEMAND_PHOTOS_MAX:
        errors["photos"] = _("最多上传%(n)d张照片。") % {"n": DEMAND_PHOTOS_MAX}
    return errors


def demand_submit(
    *,
    demand_list,
    household,
    items=(),
    text="",
    photos=(),
    channel=SubmissionChannel.ONLINE,
    actor=None,
    now=None,
):
    """A household's demand list: menu items, free text, up to DEMAND_PHOTOS_MAX photos.

    The new submission becomes the household's current one; the previous one stays, no longer
    current. Online submissions come from the resident (actor None); paper, visit and meeting
    ones are entered by staff who manage the household (recorded as entered_by).
    Refuses: a closed list; a household of another neighbourhood; nothing chosen and no text;
    retired or other districts' menu items; over-long text; too many photos or a bad photo (the
    photo checks of governance.photos). Concurrency: the list is read open under a shared lock held
    to commit, so closing it waits for the submissions in flight and no submission lands after
    the list closed; the same statement locks the household's row (FOR NO KEY UPDATE), so
    simultaneous submissions of one household (any number) are written one after another, each
    retiring the one before it, and exactly one stays current
    (_demand_list_open_and_household_locked). The partial unique constraint is the backstop.
    Statements (issue 14): the lock, the write (_demand_write: one statement on PostgreSQL) and
    an INSERT per photo.
    (Over 60 lines by this docstring and the signature; its checks are _demand_errors.)
    """
    now = now or timezone.now()
    text = (text or "").strip()
    items = list(items)
    photos = list(photos)
    errors = _demand_errors(demand_list, household, items, text, photos, channel)
    if errors:
        raise ValidationError(errors)
    prepared = prepare_photos(photos)
    if channel != SubmissionChannel.ONLINE:
        require_manage(actor, household)
    with transaction.atomic():
        if not _demand_list_open_and_household_locked(demand_list.pk, household.pk):
            raise ValidationError(_("本小区的需求清单征集已经结束。"))
        submission = _demand_write(
            list_pk=demand_list.pk,
            household_pk=household.pk,
            item_pks=[i.pk for i in items],
            text=text,
            channel=channel,
            actor=actor if channel != SubmissionChannel.ONLINE else None,
            now=now,
        )
        for photo in prepared:
            DemandPhoto.objects.create(
                submission=submission, image=photo.image, thumbnail=photo.thumbnail, uid=photo.uid
            )
    return submission


def demand_submit_quick(*, list_pk, household_pk, code_check, item_pks, text, now=None):
    """A resident's online submission from the demand form, in two statements on PostgreSQL
    (issue 14): the lock statement, which also reads what the checks need, and the write.

    `code_check` is the session's (residents.session.session_claim); `item_pks` the menu items as
    posted; `text` the form-cleaned text. Returns the receipt, or None when the submission cannot
    be taken as given: the household signed out or its code reissued, a list of another
    neighbourhood or a closed one, an item not on the district's menu, nothing chosen, or a
    database other than PostgreSQL. Nothing is written then; the caller goes through the page's
    general path (demand_submit), which finds the cause and says it. The guarantees are
    demand_submit's: the same locks in the same order, the same write (_demand_write).
    """
    item_pks = list(dict.fromkeys(item_pks))
    if connection.vendor != "postgresql" or not (item_pks or text) or len(text) > DEMAND_TEXT_MAX:
        return None
    with transaction.atomic():
        row = _demand_checks_locked(list_pk, household_pk, item_pks)
        if row is None:
            return None
        is_open, code_hash, offered = row
        if not is_open or not code_still_valid(code_hash, code_check) or len(offered) != len(item_pks):
            return None
        submission = _demand_write(
            list_pk=list_pk,
            household_pk=household_pk,
            item_pks=item_pks,
            text=text,
            channel=SubmissionChannel.ONLINE,
            actor=None,
            now=now or timezone.now(),
        )
    return submission.receipt


def _demand_checks_locked(list_pk, household_pk, item_pks):
    """PostgreSQL only: for the demand list `list_pk` of household `household_pk`'s neighbourhood,
    (the list is open, the household's code hash, those of `item_pks` its district offers), or None
    when the list is not of the household's neighbourhood. One statement, taking the locks of
    _demand_list_open_and_household_locked (FOR SHARE of the list, FOR NO KEY UPDATE of the
    household); the menu's rule is CatalogueItemQuerySet.offered_in, written as SQL by
    projects.querysets.offered_in_sql."""
    qn = connection.ops.quote_name
    offered_sql, offered_params = offered_in_sql("s." + qn("district_id"))
    sql = (
        f"SELECT l.{qn('is_open')}, h.{qn('access_code_hash')}, "
        f"ARRAY(SELECT ci.{qn('id')} FROM {qn(CatalogueItem._meta.db_table)} ci "
        f"WHERE ci.{qn('id')} = ANY(%s) AND {offered_sql.format(item='ci')}) "
        f"FROM {qn(DemandList._meta.db_table)} l "
        f"JOIN {qn(Household._meta.db_table)} h ON h.{qn('neighbourhood_id')} = l.{qn('neighbourhood_id')} "
        f"JOIN {qn(Neighbourhood._meta.db_table)} n ON n.{qn('id')} = l.{qn('neighbourhood_id')} "
        f"JOIN {qn(Community._meta.db_table)} c ON c.{qn('id')} = n.{qn('community_id')} "
        f"JOIN {qn(Street._meta.db_table)} s ON s.{qn('id')} = c.{qn('street_id')} "
        f"WHERE l.{qn('id')} = %s AND h.{qn('id')} = %s "
        "FOR SHARE OF l FOR NO KEY UPDATE OF h"
    )
    params = [item_pks, *offered_params, list_pk, household_pk]
    with connection.cursor() as cursor:
        prepared.execute(cursor, "surveys_demand_checks", sql, params, ["bigint[]", "bigint", "bigint"])
        return cursor.fetchone()


def _demand_write(*, list_pk, household_pk, item_pks, text, channel, actor, now):
    """Write a submission as the household's current one: retire its current submission to the
    list, insert the new one, its items and the audit row (details: list, household, channel,
    items, the submission it replaced). Called with the household's row locked (so no other
    submission of the household is in flight). Returns the new DemandSubmission (its items and
    photos not loaded).

    On PostgreSQL this is one statement (issue 14): data-modifying WITH clauses share one
    snapshot and run in no set order, so the INSERT reads the retiring UPDATE's aggregate
    (`replaced`), which makes the UPDATE finish first; the partial unique index then sees the old
    row as updated by this transaction, not as a second current row. Elsewhere (SQLite) the
    same rows in four statements."""
    item_pks = list(dict.fromkeys(item_pks))
    submission = DemandSubmission(
        demand_list_id=list_pk,
        household_id=household_pk,
        text=text,
        channel=channel,
        entered_by=actor,
        submitted_at=now,
        receipt=_receipt(),
        is_current=True,
    )
    details = {"list": list_pk, "household": household_pk, "channel": channel, "items": item_pks}
    if connection.vendor != "postgresql":
        replaced = _demand_current_retire(list_pk, household_pk)
        submission.save(force_insert=True)
        Through = DemandSubmission.items.through
        Through.objects.bulk_create(
            [Through(demandsubmission_id=submission.pk, catalogueitem_id=pk) for pk in item_pks]
        )
        audit(
            actor=actor,
            action="demand_submit",
            target=submission,
            summary=submission.receipt,
            details={**details, "replaced": replaced},
        )
        return submission
    submission.pk = _demand_write_statement(submission, item_pks, details, actor)
    submission._state.adding, submission._state.db = False, connection.alias
    return submission


def _demand_write_statement(submission, item_pks, details, actor):
    """PostgreSQL: _demand_write's rows in one prepared statement; the new submission's id."""
    list_pk, household_pk = submission.demand_list_id, submission.household_id
    text, channel, now = submission.text, submission.channel, submission.submitted_at
    qn = connection.ops.quote_name
    subs, through = DemandSubmission._meta.db_table, DemandSubmission.items.through._meta.db_table
    sql = (
        f"WITH retired AS (UPDATE {qn(subs)} SET {qn('is_current')} = false "
        f"WHERE {qn('demand_list_id')} = %s AND {qn('household_id')} = %s AND {qn('is_current')} "
        f"RETURNING {qn('id')}), "
        f"replaced AS (SELECT max({qn('id')}) AS {qn('id')} FROM retired), "
        f"sub AS (INSERT INTO {qn(subs)} ({qn('demand_list_id')}, {qn('household_id')}, {qn('text')}, "
        f"{qn('channel')}, {qn('entered_by_id')}, {qn('submitted_at')}, {qn('is_current')}, {qn('receipt')}) "
        f"SELECT %s, %s, %s, %s, %s, %s, true, %s FROM replaced RETURNING {qn('id')}), "
        f"items AS (INSERT INTO {qn(through)} ({qn('demandsubmission_id')}, {qn('catalogueitem_id')}) "
        f"SELECT sub.{qn('id')}, item FROM sub, unnest(%s::bigint[]) AS item), "
        "entry AS ("
        + audit_insert_sql(
            target_id_sql=f"sub.{qn('id')}",
            from_sql="sub, replaced",
            details_sql=f"%s::jsonb || jsonb_build_object('replaced', replaced.{qn('id')})",
        )
        + ") "
        f"SELECT sub.{qn('id')}, replaced.{qn('id')} FROM sub, replaced"
    )
    params = [
        list_pk, household_pk,
        list_pk, household_pk, text, channel, getattr(actor, "pk", None), now, submission.receipt,
        item_pks,
        *audit_insert_params(
            actor=actor,
            action="demand_submit",
            target_type=DemandSubmission._meta.label_lower,
            summary=submission.receipt,
            details=details,
        ),
    ]
    types = [
        "bigint", "bigint",  # the retired submission's list and household
        "bigint", "bigint", "text", "text", "integer", "timestamptz", "text",  # the submission
        "bigint[]",  # its items
        "timestamptz", "integer", "text", "text", "text", "text",  # the audit row
    ]
    with connection.cursor() as cursor:
        prepared.execute(cursor, "surveys_demand_write", sql, params, types)
        return cursor.fetchone()[0]
