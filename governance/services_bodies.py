"""Writes of self-governance: bodies with their members, and vanguard teams with their members
(the ledger's rows and the composition rules are plain territorial rows, written by
governance.services.territory_record_save). Each service: keyword-only arguments, an explicit
actor, one transaction, one audit row that names fields and counts, never a phone."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .bodies import CompositionRule
from .services import audit, changed_fields, delete_rows, lock_stored, save_managed


def composition_violations(body, members):
    """The composition rules of the body's district that `members` break (sentences naming the
    rule); none when the district sets no rule for the body's kind."""
    district_id = body.community.street.district_id
    rule = CompositionRule.objects.filter(district_id=district_id, kind=body.kind).first()
    return rule.violations(members) if rule is not None else []


def body_save(*, body, actor, members=(), deleted_members=()):
    """Create or change `body` together with its members: `members` are BodyMember rows to create
    or change (their body is set here), `deleted_members` rows of this body to delete.

    Refuses, writing nothing: an actor who does not manage the body as stored or as it stands
    after the write (PermissionDenied); invalid values of the body or a member (ValidationError,
    from full_clean); a member set that breaks the district's composition rule for the body's
    kind (ValidationError naming each broken rule). One audit row "body_save": the changed fields'
    names and the member count, never a member's name or phone."""
    with transaction.atomic():
        stored = lock_stored(body, actor)
        if body.community_id is None and body.neighbourhood_id is not None:
            body.community_id = body.neighbourhood.community_id  # the neighbourhood's own
        fields = changed_fields(stored, body)
        save_managed(body, actor)
        removed = delete_rows(deleted_members, parent=body, field="body")
        for member in members:
            member.body = body
            member.full_clean()
            member.save()
        current = list(body.members.all())
        broken = composition_violations(body, current)
        if broken:
            raise ValidationError(broken)
        audit(
            actor=actor,
            action="body_save" if stored is not None else "body_create",
            target=body,
            summary=str(body),
            details={
                "kind": body.kind,
                "fields": fields,
                "members": len(current),
                "members_written": len(members),
                "members_removed": removed,
            },
        )
    return body


def vanguard_team_save(*, team, actor, members=None):
    """Create or change a vanguard team; `members` (PartyMember rows, None: unchanged) must be in
    the team's community's ledger. One audit row with the member count only."""
    with transaction.atomic():
        stored = lock_stored(team, actor)
        fields = changed_fields(stored, team)
        save_managed(team, actor)
        if members is not None:
            members = list(members)
            strangers = [m for m in members if m.community_id != team.community_id]
            if strangers:
                raise ValidationError(
                    {"members": _("队员须来自本社区的党员台账：%(names)s。") % {"names": "、".join(m.name for m in strangers)}}
                )
            team.members.set(members)
        audit(
            actor=actor,
            action="vanguard_team_save" if stored is not None else "vanguard_team_create",
            target=team,
            summary=str(team),
            details={"fields": fields, "members": team.members.count()},
        )
    return team
