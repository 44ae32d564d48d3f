"""Choices of the surveys app, and the rules that are data: the vote rule presets and which
matters are special (docs/domain-rules.md, "Owners' votes"), and the state tables of votes,
consultation steps and questionnaires ({from: {allowed to}}, as projects.choices.TRANSITIONS is
for a project's stages): the services refuse any move a table does not list."""

from fractions import Fraction

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatterType(models.TextChoices):
    RENOVATION_PLAN = "renovation_plan", _("改造方案")
    ELEVATOR_RETROFIT = "elevator_retrofit", _("加装电梯")
    # Civil Code art. 278 items 6 and 5: raising the fund is special, using it is not.
    MAINTENANCE_FUND = "maintenance_fund", _("筹集维修资金")
    MAINTENANCE_FUND_USE = "maintenance_fund_use", _("使用维修资金")
    REBUILD = "rebuild", _("改建、重建建筑物及其附属设施")
    COMMON_USE_CHANGE = "common_use_change", _("改变共有部分用途")
    # Civil Code art. 278 item 3 (a simple majority); a passed one re-elects a body (Reelection).
    ELECT_COMMITTEE = "elect_committee", _("选举业主委员会或者更换业主委员会成员")
    OTHER = "other", _("其他共同决定事项")


# Civil Code art. 278: these need the special majority (双四分之三).
SPECIAL_MATTERS = frozenset(
    {
        MatterType.RENOVATION_PLAN,
        MatterType.ELEVATOR_RETROFIT,
        MatterType.MAINTENANCE_FUND,
        MatterType.REBUILD,
        MatterType.COMMON_USE_CHANGE,
    }
)


class VoteScope(models.TextChoices):
    NEIGHBOURHOOD = "neighbourhood", _("小区")
    BUILDING = "building", _("楼栋")
    STAIRWELL = "stairwell", _("单元")


class RulePreset(models.TextChoices):
    SPECIAL = "special", _("双四分之三同意（特别事项）")
    SIMPLE = "simple", _("双过半同意（一般事项）")
    CUSTOM = "custom", _("自定义规则")


def default_rule(matter_type):
    """The preset the law gives a matter: special for the special matters, simple otherwise."""
    return RulePreset.SPECIAL if matter_type in SPECIAL_MATTERS else RulePreset.SIMPLE


# Each preset: (quorum fraction, agree fraction, agree inclusive?). The quorum is always inclusive
# (≥ 2/3, "以上"); the special majority is inclusive (≥ 3/4), the simple one strict (> 1/2, "过半数").
QUORUM = Fraction(2, 3)
PRESETS = {
    RulePreset.SPECIAL: (QUORUM, Fraction(3, 4), True),
    RulePreset.SIMPLE: (QUORUM, Fraction(1, 2), False),
}


class VoteStatus(models.TextChoices):
    DRAFT = "draft", _("未开始")
    OPEN = "open", _("表决中")
    CLOSED = "closed", _("已结束")


# draft → open (vote_open) → closed (vote_close, which counts and stores the verdict).
VOTE_TRANSITIONS = {
    VoteStatus.DRAFT: {VoteStatus.OPEN},
    VoteStatus.OPEN: {VoteStatus.CLOSED},
    VoteStatus.CLOSED: set(),
}


class BallotChoice(models.TextChoices):
    AGREE = "agree", _("同意")
    DISAGREE = "disagree", _("反对")
    ABSTAIN = "abstain", _("弃权")


class BallotChannel(models.TextChoices):
    ONLINE = "online", _("线上（户码）")
    PAPER = "paper", _("纸质表决票")


class Direction(models.TextChoices):
    DOWN = "down", _("下（到居民中去）")
    UP = "up", _("上（报部门审核）")


class StepStatus(models.TextChoices):
    PENDING = "pending", _("未开始")
    OPEN = "open", _("进行中")
    DONE = "done", _("已完成")


# A process starts with its first step open and the others pending. Only the open step is acted
# on (steps are never skipped): completed (a down step) or approved (an up step) it is done and
# the next step opens; returned (an up step) it is pending again and the down step before it,
# done, opens again for another round (templates alternate down and up, so no step lies between).
STEP_TRANSITIONS = {
    StepStatus.PENDING: {StepStatus.OPEN},
    StepStatus.OPEN: {StepStatus.DONE, StepStatus.PENDING},
    StepStatus.DONE: {StepStatus.OPEN},
}


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", _("审核通过")
    RETURNED = "returned", _("退回修改")


class MeetingKind(models.TextChoices):
    ASSEMBLY = "assembly", _("居民大会")
    COURTYARD = "courtyard", _("院坝会")
    COUNCIL = "council", _("议事会")
    FOUR_PARTY = "four_party", _("四方沟通会")


class OpinionSource(models.TextChoices):
    MEETING = "meeting", _("会议")
    VISIT = "visit", _("入户走访")
    QUESTIONNAIRE = "questionnaire", _("问卷")
    ONLINE = "online", _("线上")
    OBJECTION = "objection", _("公示异议")


class OpinionAnswer(models.TextChoices):
    PENDING = "pending", _("待答复")
    ADOPTED = "adopted", _("采纳")
    PARTLY = "partly", _("部分采纳")
    NOT_ADOPTED = "not_adopted", _("不予采纳")
    EXPLAINED = "explained", _("已解释说明")


# What counts as "采纳" in "收集 N 条，采纳 M 条".
ADOPTED_ANSWERS = (OpinionAnswer.ADOPTED, OpinionAnswer.PARTLY)


class SubmissionChannel(models.TextChoices):
    ONLINE = "online", _("线上（户码）")
    PAPER = "paper", _("纸质表格")
    VISIT = "visit", _("入户走访")
    MEETING = "meeting", _("会议现场")


class QuestionnaireStatus(models.TextChoices):
    DRAFT = "draft", _("未发布")
    OPEN = "open", _("填写中")
    CLOSED = "closed", _("已结束")


# draft → open (published, with at least one question) → closed (questionnaire_set_status).
QUESTIONNAIRE_TRANSITIONS = {
    QuestionnaireStatus.DRAFT: {QuestionnaireStatus.OPEN},
    QuestionnaireStatus.OPEN: {QuestionnaireStatus.CLOSED},
    QuestionnaireStatus.CLOSED: set(),
}


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    TEXT = "text", _("填空")
    SCALE = "scale", _("1–5分评价")


SCALE_VALUES = (1, 2, 3, 4, 5)


class PlanKind(models.TextChoices):
    PRELIMINARY = "preliminary", _("初步方案")
    REVISED = "revised", _("修改方案")
    FINAL = "final", _("最终方案")
