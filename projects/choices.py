"""Choices of the projects app, and the project lifecycle's transition table (docs/domain-rules.md,
"Project lifecycle")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkClass(models.TextChoices):
    BASIC = "basic", _("基础类")
    IMPROVEMENT = "improvement", _("完善类")
    ENHANCEMENT = "enhancement", _("提升类")


class Unit(models.TextChoices):
    METRE = "m", _("米")
    KILOMETRE = "km", _("千米")
    SQUARE_METRE = "m2", _("平方米")
    ITEM = "item", _("项")
    SET = "set", _("套")
    PLACE = "place", _("个")
    UNIT = "unit", _("台")
    HOUSEHOLD = "household", _("户")
    BUILDING = "building", _("栋")


class Stage(models.TextChoices):
    CANDIDATE = "candidate", _("储备")
    CONSULTATION = "consultation", _("协商（三下三上）")
    TENDER = "tender", _("招投标")
    CONSTRUCTION = "construction", _("施工")
    ACCEPTANCE = "acceptance", _("竣工验收")
    AFTERCARE = "aftercare", _("长效管理")
    CLOSED = "closed", _("已结项")
    SUSPENDED = "suspended", _("暂停")
    CANCELLED = "cancelled", _("已取消")


# The stages a project can be suspended from (and resumed to), in lifecycle order.
OPEN_STAGES = (
    Stage.CANDIDATE,
    Stage.CONSULTATION,
    Stage.TENDER,
    Stage.CONSTRUCTION,
    Stage.ACCEPTANCE,
    Stage.AFTERCARE,
)
FINAL_STAGES = (Stage.CLOSED, Stage.CANCELLED)
# The main line a project walks when nothing goes wrong, in lifecycle order.
MAIN_LINE = (*OPEN_STAGES, Stage.CLOSED)

# {from: {allowed to}}. From `suspended` the table lists every open stage, but only the one the
# project was suspended from is allowed (see gates.resume_reasons): the table says which moves
# exist, the gates say whether this project may make one now.
TRANSITIONS = {
    Stage.CANDIDATE: {Stage.CONSULTATION, Stage.SUSPENDED, Stage.CANCELLED},
    Stage.CONSULTATION: {Stage.TENDER, Stage.SUSPENDED, Stage.CANCELLED},
    Stage.TENDER: {Stage.CONSTRUCTION, Stage.SUSPENDED, Stage.CANCELLED},
    Stage.CONSTRUCTION: {Stage.ACCEPTANCE, Stage.SUSPENDED, Stage.CANCELLED},
    Stage.ACCEPTANCE: {Stage.AFTERCARE, Stage.SUSPENDED, Stage.CANCELLED},
    Stage.AFTERCARE: {Stage.CLOSED, Stage.SUSPENDED, Stage.CANCELLED},
    Stage.SUSPENDED: {*OPEN_STAGES, Stage.CANCELLED},
    Stage.CLOSED: set(),
    Stage.CANCELLED: set(),
}

# The forward move out of each open stage (the "next stage" button).
NEXT_STAGE = {
    Stage.CANDIDATE: Stage.CONSULTATION,
    Stage.CONSULTATION: Stage.TENDER,
    Stage.TENDER: Stage.CONSTRUCTION,
    Stage.CONSTRUCTION: Stage.ACCEPTANCE,
    Stage.ACCEPTANCE: Stage.AFTERCARE,
    Stage.AFTERCARE: Stage.CLOSED,
}


class Severity(models.TextChoices):
    MINOR = "minor", _("一般")
    MAJOR = "major", _("较重")
    CRITICAL = "critical", _("严重")


class FindingSource(models.TextChoices):
    STAFF = "staff", _("工作人员")
    RESIDENT_SUPERVISOR = "resident_supervisor", _("义务监督员")
    RESIDENT_REPORT = "resident_report", _("居民反馈")


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("改造前")
    DURING = "during", _("施工中")
    AFTER = "after", _("改造后")
    FINDING = "finding", _("问题照片")


class NoticeKind(models.TextChoices):
    PLAN = "plan", _("方案公示")
    RESULT = "result", _("结果公示")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")
