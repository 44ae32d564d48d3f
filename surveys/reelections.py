"""Re-elections (换届) of self-governance bodies tied to the owners' vote that elected them
(issue 13 item 1). A body lives in governance, a vote here: the link between them is kept in this
app, which knows both. Recording one (surveys.services.reelections.reelection_record) needs a
closed and passed vote of the matter "elect the committee" in the body's neighbourhood, and gives
the body its new term. Imported by surveys.models (its __init__) so Django finds the model."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.bodies import BodyKind
from governance.bounds import TEXT_MAX, DateChecks, bounded_text
from governance.choices import Level
from governance.fields import staff_user

# The bodies the owners elect (the property management committee is formed by the street).
ELECTED_KINDS = (BodyKind.OWNERS_COMMITTEE, BodyKind.SELF_MANAGEMENT)


class Reelection(DateChecks, models.Model):
    body = models.ForeignKey("governance.Body", models.PROTECT, related_name="reelections", verbose_name=_("自治组织"))
    vote = models.OneToOneField(
        "surveys.Vote", models.PROTECT, related_name="reelection", verbose_name=_("业主表决"),
        help_text=_("已结束并通过的“选举业主委员会或者更换业主委员会成员”表决。"),
    )
    term_start = models.DateField(_("新任期开始"))
    term_end = models.DateField(_("新任期结束"))
    note = bounded_text(_("备注"), TEXT_MAX, blank=True)
    recorded_by = staff_user(_("录入人"), editable=False)
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    territory_lookups = {
        Level.DISTRICT: "body__community__street__district_id",
        Level.STREET: "body__community__street_id",
        Level.COMMUNITY: "body__community_id",
    }

    class Meta:
        verbose_name = _("换届记录")
        verbose_name_plural = _("换届记录")
        ordering = ["-term_start", "-id"]

    date_window = ["term_start", "term_end"]
    date_order = [("term_start", "term_end", True)]

    def __str__(self):
        return f"{self.body} {self.term_start}—{self.term_end}"
