"""What waits for staff, on the consultation page (dashboards/figures/consultation.py's docstring):
today, whatever the as-of month (statuses carry no history), up steps open for longer than
REVIEW_WAIT_DAYS (a department review is due), notices with unanswered objections of the unit's
households, supervision findings open for longer than FINDING_WAIT_DAYS, and projects under
construction without last month's progress report; each with the admin page that settles it.
"""

import datetime

from django.db.models import Count, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from projects.models import Project
from projects.selectors import findings_open_since, notices_with_open_objections, projects_missing_report
from surveys.selectors import up_steps_awaiting_review

REVIEW_WAIT_DAYS = 7
FINDING_WAIT_DAYS = 30

WAITING_KINDS = {
    "review": _("上行步骤待部门审核（超过7天）"),
    "objection": _("公示异议待答复"),
    "finding": _("质量监督问题未整改（超过30天）"),
    "report": _("施工项目未填报上月进度"),
}


def _admin(name, *args, query=None):
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _waiting_row(kind, what, project, since, today, url):
    since_day = timezone.localdate(since) if isinstance(since, datetime.datetime) else since
    return {
        "kind": kind,
        "kind_name": WAITING_KINDS[kind],
        "what": what,
        "project": f"{project.code} {project.name}",
        "since": since_day,
        "days": (today - since_day).days,
        "url": url,
    }


def _waiting_reads(neighbourhoods, now, writes):
    """{kind: (queryset, row maker)}: the four reads of what waits, from the lower apps' selectors.
    `writes`: whether the actor may write; a read-only role (the district or city official) gets
    the page that shows the item instead of the form that settles it, which would refuse them."""
    today = timezone.localdate(now)
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    projects = Project.objects.filter(
        pk__in=Project.neighbourhoods.through.objects.filter(
            neighbourhood__in=neighbourhoods.values("pk")
        ).values("project_id")
    )
    return {
        "review": (
            up_steps_awaiting_review(projects, now - datetime.timedelta(days=REVIEW_WAIT_DAYS)),
            lambda s: _waiting_row(
                "review", f"{s.code} {s.name}", s.process.project, s.opened_at, today,
                _admin("surveys_stepreview_add", query={"step": s.pk})
                if writes else _admin("surveys_consultationstep_change", s.pk),
            ),
        ),
        "objection": (
            notices_with_open_objections(neighbourhoods),
            lambda n: _waiting_row(
                "objection", _("%(title)s（%(n)d 条待答复）") % {"title": n.title, "n": n.open_objections},
                n.project, n.waiting_since, today, _admin("projects_objection_change", n.first_open),
            ),
        ),
        "finding": (
            findings_open_since(projects, now - datetime.timedelta(days=FINDING_WAIT_DAYS)),
            lambda d: _waiting_row(
                "finding", d.description[:40], d.project, d.opened_at, today,
                _admin("projects_supervisionfinding_change", d.pk),
            ),
        ),
        "report": (
            projects_missing_report(projects, last_month),
            lambda p: _waiting_row(
                "report", _("%(month)s 月度进度") % {"month": f"{last_month:%Y-%m}"}, p, this_month, today,
                _admin("projects_progressreport_add", query={"project": p.pk, "month": last_month.isoformat()})
                if writes else _admin("projects_project_change", p.pk),
            ),
        ),
    }


def waiting_items(neighbourhoods, limit, writes=True):
    """What waits for staff today, oldest first within each kind: {"counts": {kind: n}, "items":
    [row]} with at most `limit` rows of each kind (None: all), each linking the admin page that
    settles it (or, for a read-only actor, `writes` false, the page that shows it). One query per
    kind: its first rows, each with how many there are in all (a window count, taken before the
    limit)."""
    counts, items = {}, []
    for kind, (rows, make) in _waiting_reads(neighbourhoods, timezone.now(), writes).items():
        rows = rows.annotate(waiting_total=Window(Count("pk")))
        shown = list(rows if limit is None else rows[:limit])
        counts[kind] = shown[0].waiting_total if shown else 0
        items.extend(make(row) for row in shown)
    return {"counts": counts, "total": sum(counts.values()), "items": items}
