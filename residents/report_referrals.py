"""Where a resident's report can be handed on to something a higher app owns.

`residents` (layer 2) may not import `projects` (layer 3), yet staff turn a works-quality report
into a supervision finding of the neighbourhood's project. `projects` registers that referral from
its `AppConfig.ready()` (projects.report_findings), and the report's admin offers every registered
referral that applies; without one registered, the report is answered or closed only.

A referral: `applies(report)` whether it is offered for this report; `targets(report, actor)` the
choices [(id, label)] the actor may refer it to; `refer(report=, target_id=, answer=, actor=)` the
service call (one transaction, audit rows), raising ValidationError naming the field or
PermissionDenied; `describe(report)` a short text of what it was referred to, or None.
"""

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Referral:
    name: str
    label: str
    target_label: str
    applies: Callable
    targets: Callable
    refer: Callable
    describe: Callable


_referrals = {}


def register_referral(referral):
    _referrals[referral.name] = referral


def unregister_referral(name):
    _referrals.pop(name, None)


def referrals_for(report):
    """The registered referrals offered for `report`, by name."""
    return [r for _name, r in sorted(_referrals.items()) if r.applies(report)]


def referral(name):
    return _referrals.get(name)


def described(report):
    """What `report` was referred to, in words, from the referral that knows (or None)."""
    for _name, r in sorted(_referrals.items()):
        text = r.describe(report)
        if text:
            return text
    return None
