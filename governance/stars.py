"""Star ratings of neighbourhoods (星级评定, the five-star neighbourhood: issue 13 item 7).

A rating scheme (StarScheme) has dimensions (StarDimension: a star, with its criteria and weight)
and a validity period. The five-star scheme (安全、和谐、廉洁、卫生、法治之星) ships as initial data
(migration 0010) for every district (`district` empty); a district may have its own, entered by
superusers (district officials only read). Staff of the street or community rate a neighbourhood
on a dimension for a year (StarRating: the evidence, who rated, on which day); a failed review
withdraws the star with its reason (governance.services_stars.star_withdraw), and the rating stays
on record as withdrawn. The neighbourhood's public page shows the stars of its latest rated year
(registered by projects, which may import governance: projects/apps.py).

Imported by governance.models so Django finds the models."""

from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .bounds import TEXT_MAX, DateChecks, bounded_text
from .choices import Level
from .fields import check, staff_user
from .scoping import scope, territory_of, territory_via

YEAR_MIN, YEAR_MAX = 2000, 2100


class StarScheme(DateChecks, models.Model):
    """A rating scheme: its dimensions and the years it is valid for. `district` empty: the
    shipped scheme every district uses."""

    name = models.CharField(_("评定方案"), max_length=100)
    district = models.ForeignKey(
        "governance.District",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="star_schemes",
        verbose_name=_("区"),
        help_text=_("留空表示全市通用的方案。"),
    )
    valid_from = models.DateField(_("有效期开始"))
    valid_until = models.DateField(_("有效期结束"), null=True, blank=True, help_text=_("留空表示长期有效。"))
    note = bounded_text(_("说明"), TEXT_MAX, blank=True)

    # Shipped schemes (district empty) are read by every role (star_schemes_visible_to) and
    # written by superusers only; a district's scheme is scoped to the district.
    territory_lookups = {Level.DISTRICT: "district_id"}

    class Meta:
        verbose_name = _("星级评定方案")
        verbose_name_plural = _("星级评定方案")
        ordering = ["district_id", "-valid_from", "id"]
        constraints = [
            check(
                Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                "star_scheme_valid_until_after_from",
                _("有效期结束不能早于有效期开始。"),
            ),
        ]

    date_window = ["valid_from", "valid_until"]
    date_order = [("valid_from", "valid_until", False)]

    def valid_in(self, year):
        """Whether the scheme is valid for some of `year`."""
        return self.valid_from.year <= year and (self.valid_until is None or self.valid_until.year >= year)

    def __str__(self):
        return self.name


class StarDimension(models.Model):
    """One star (dimension) of a scheme, with its criteria and weight."""

    scheme = models.ForeignKey(StarScheme, models.CASCADE, related_name="dimensions", verbose_name=_("评定方案"))
    code = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("星名"), max_length=30)
    criteria = bounded_text(_("评定标准"), TEXT_MAX)
    weight = models.DecimalField(
        _("权重(%)"),
        max_digits=5,
        decimal_places=2,
        default=20,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    territory_lookups = {Level.DISTRICT: "scheme__district_id"}

    class Meta:
        verbose_name = _("星级维度")
        verbose_name_plural = _("星级维度")
        ordering = ["scheme_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="star_dimension_code_unique", violation_error_message=_("方案中已有此代码的星。")
            ),
        ]

    def __str__(self):
        return self.name


class RatingStatus(models.TextChoices):
    AWARDED = "awarded", _("已授星")
    WITHDRAWN = "withdrawn", _("已摘星")


class StarRating(DateChecks, models.Model):
    """A neighbourhood's star on one dimension for one year. Withdrawn after a failed review, with
    its reason (star_withdraw); never deleted once withdrawn, so the record stays."""

    neighbourhood = models.ForeignKey(
        "governance.Neighbourhood", models.PROTECT, related_name="star_ratings", verbose_name=_("小区")
    )
    dimension = models.ForeignKey(StarDimension, models.PROTECT, related_name="ratings", verbose_name=_("星级维度"))
    year = models.PositiveSmallIntegerField(
        _("评定年度"), validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)]
    )
    evidence = bounded_text(_("评定依据"), TEXT_MAX, help_text=_("达标情况、检查记录、佐证材料的名称等。"))
    rater = models.CharField(_("评定单位"), max_length=100, help_text=_("如：街道星级评定小组。"))
    rated_on = models.DateField(_("评定日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=RatingStatus.choices, default=RatingStatus.AWARDED, editable=False
    )
    withdrawn_on = models.DateField(_("摘星日期"), null=True, blank=True, editable=False)
    withdrawal_reason = bounded_text(_("摘星原因"), TEXT_MAX, blank=True, editable=False)
    recorded_by = staff_user(_("录入人"), editable=False)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("星级评定")
        verbose_name_plural = _("星级评定")
        ordering = ["-year", "neighbourhood_id", "dimension__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["neighbourhood", "dimension", "year"],
                name="star_rating_one_per_year",
                violation_error_message=_("该小区本年度已评定过这颗星。"),
            ),
            check(
                Q(status="awarded", withdrawn_on__isnull=True)
                | Q(status="withdrawn", withdrawn_on__isnull=False),
                "star_rating_withdrawn_on_iff_withdrawn",
                _("已摘星的评定须有摘星日期。"),
            ),
        ]

    date_window = ["rated_on", "withdrawn_on"]
    date_order = [("rated_on", "withdrawn_on", False)]

    def clean(self):
        super().clean()
        if self.dimension_id is None or self.neighbourhood_id is None or self.year is None:
            return
        scheme = StarScheme.objects.filter(dimensions=self.dimension_id).first()
        district_id = (
            type(self.neighbourhood)
            .objects.filter(pk=self.neighbourhood_id)
            .values_list("community__street__district_id", flat=True)
            .first()
        )
        if scheme.district_id is not None and scheme.district_id != district_id:
            raise ValidationError({"dimension": _("该评定方案不适用于本小区所在的区。")})
        if not scheme.valid_in(self.year):
            raise ValidationError(
                {"year": _("评定方案“%(scheme)s”在%(year)s年度无效。") % {"scheme": scheme, "year": self.year}}
            )

    def __str__(self):
        return f"{self.year} {self.dimension}"


FIVE_STAR_SCHEME = "五星小区评定（安全、和谐、廉洁、卫生、法治）"


def five_star_scheme():
    """The shipped five-star scheme (no district), as migration 0010 creates it; created again
    the same way when missing (a test database flushed by a transactional test loses the rows of
    data migrations)."""
    scheme = StarScheme.objects.filter(district__isnull=True, name=FIVE_STAR_SCHEME).first()
    if scheme is not None:
        return scheme
    import importlib

    shipped = importlib.import_module("governance.migrations.0010_star_ratings")
    shipped.ship_five_stars(django_apps, None)
    return StarScheme.objects.get(district__isnull=True, name=FIVE_STAR_SCHEME)


def star_schemes_visible_to(actor):
    """The schemes `actor` reads: the shipped ones (no district) for any staff role, and their
    districts' own through the scoping function."""
    if territory_of(actor).is_empty:
        return StarScheme.objects.none()
    return StarScheme.objects.filter(Q(district__isnull=True) | Q(pk__in=scope(StarScheme.objects.all(), actor).values("pk")))


def star_dimensions_visible_to(actor):
    return StarDimension.objects.filter(scheme__in=star_schemes_visible_to(actor))


def public_stars(neighbourhood):
    """The neighbourhood's ratings of its latest rated year, for its public page: (year, rows), or
    (None, []) when it has none. Each row a rating with its dimension; one query."""
    latest = (
        StarRating.objects.filter(neighbourhood=neighbourhood).order_by("-year").values("year")[:1]
    )
    rows = list(
        StarRating.objects.filter(neighbourhood=neighbourhood, year=models.Subquery(latest))
        .select_related("dimension")
        .order_by("dimension__order", "dimension_id")
    )
    return (rows[0].year if rows else None), rows
