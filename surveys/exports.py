"""Tables of the consultation as export tables (headers, rows): written to CSV or Excel by
governance.exports, the one export helper of the project."""

from django.utils.translation import gettext as _

from projects.choices import WorkClass


def demand_table(aggregate, place_name=""):
    """The aggregate as a table: rank, class, item, households, share of households."""
    headers = [_("排名"), _("类别"), _("改造内容"), _("选择户数"), _("占总户数比例(%)"), _("小区")]
    labels = dict(WorkClass.choices)
    rows = [
        [rank, str(labels.get(r.work_class, r.work_class)), r.name, r.households, r.share, place_name]
        for rank, r in enumerate(aggregate.rows, start=1)
    ]
    return headers, rows
