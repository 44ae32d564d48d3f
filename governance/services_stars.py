"""Writes of star ratings: schemes with their dimensions, ratings, and the withdrawal of a star
after a failed review. Each service: keyword-only arguments, an explicit actor, one transaction,
one audit row."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .scoping import can_manage
from .services import audit, changed_fields, lock_stored, save_audited, save_managed
from .stars import RatingStatus, StarDimension, StarRating


def star_scheme_save(*, scheme, actor, dimensions=(), deleted_dimensions=()):
    """Create or change a rating scheme with its dimensions. Only who manages the scheme's district
    writes it: superusers (a shipped scheme has no district, so only they; district officials
    read only). Refuses a dimension that already has ratings from being deleted (ValidationError).
    One audit row with the dimension count."""
    with transaction.atomic():
        stored = lock_stored(scheme, actor)
        fields = changed_fields(stored, scheme)
        save_managed(scheme, actor)
        for dimension in deleted_dimensions:
            if dimension.pk is None or dimension.scheme_id != scheme.pk:
                continue
            if StarRating.objects.filter(dimension_id=dimension.pk).exists():
                raise ValidationError(
                    {"dimensions": _("“%(name)s”已有评定记录，不能删除。") % {"name": dimension.name}}
                )
            StarDimension.objects.filter(pk=dimension.pk).delete()
        for dimension in dimensions:
            dimension.scheme = scheme
            dimension.full_clean()
            dimension.save()
        audit(
            actor=actor,
            action="star_scheme_save" if stored is not None else "star_scheme_create",
            target=scheme,
            summary=str(scheme),
            details={"fields": fields, "dimensions": scheme.dimensions.count()},
        )
    return scheme


def star_rating_save(*, rating, actor):
    """Award a star (a new rating) or correct a rating's evidence, rater or date. The status is
    not written here (star_withdraw). Refuses an actor who does not manage the neighbourhood
    (PermissionDenied), a scheme of another district or not valid in the year, a second rating of
    the same star and year, a withdrawn rating (ValidationError naming the field)."""
    with transaction.atomic():
        stored = lock_stored(rating, actor)
        if stored is not None and stored.status == RatingStatus.WITHDRAWN:
            raise ValidationError({"status": _("已摘星的评定不能修改。")})
        fields = changed_fields(stored, rating)
        if stored is None:
            rating.status = RatingStatus.AWARDED
            rating.withdrawn_on, rating.withdrawal_reason = None, ""
            if getattr(actor, "pk", None):
                rating.recorded_by = actor
        save_managed(rating, actor)
        audit(
            actor=actor,
            action="star_rating_save" if stored is not None else "star_award",
            target=rating,
            summary=f"{rating.neighbourhood} {rating}",
            details={"neighbourhood": rating.neighbourhood_id, "year": rating.year, "dimension": rating.dimension_id, "fields": fields},
        )
    return rating


def star_withdraw(*, rating, reason, actor, withdrawn_on=None):
    """A failed review withdraws the star: the rating becomes withdrawn with its reason and the
    day (default today; not before it was rated, not in the future). Refuses: an empty reason, a
    star already withdrawn (ValidationError naming the field); an actor who does not manage the
    neighbourhood (PermissionDenied). One audit row "star_withdraw" with the reason."""
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = StarRating.objects.select_for_update().filter(pk=rating.pk).first()
        if locked is None or not can_manage(actor, locked):
            raise PermissionDenied
        errors = {}
        if not reason:
            errors["withdrawal_reason"] = _("摘星须填写原因（复核未通过的情况）。")
        if locked.status == RatingStatus.WITHDRAWN:
            errors["status"] = _("这颗星已于%(day)s摘除。") % {"day": locked.withdrawn_on}
        today = timezone.localdate()
        withdrawn_on = withdrawn_on or today
        if withdrawn_on > today:
            errors["withdrawn_on"] = _("摘星日期不能晚于今天。")
        elif withdrawn_on < locked.rated_on:
            errors["withdrawn_on"] = _("摘星日期不能早于评定日期。")
        if errors:
            raise ValidationError(errors)
        locked.status = RatingStatus.WITHDRAWN
        locked.withdrawn_on = withdrawn_on
        locked.withdrawal_reason = reason
        save_audited(
            locked,
            actor=actor,
            action="star_withdraw",
            summary=reason,
            details={"neighbourhood": locked.neighbourhood_id, "year": locked.year, "dimension": locked.dimension_id},
        )
    return locked
