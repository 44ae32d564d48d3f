"""Property service providers (issue 13, item 4): the companies and units that manage
neighbourhoods, kept as a district's register (区物业服务企业名录), which management arrangements
point to instead of a free-text name.

A provider belongs to one district and is read by every role of that district; like a district's
composition rules, the register is written by superusers (the district housing bureau's
administrator), and street and community staff choose from it when they start an arrangement.
Imported by governance.models so Django finds the model; written through
governance.services.territory_record_save (one transaction, an actor, an audit row)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .bodies import phone_validator
from .choices import Level

# The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from this
# alphabet (digits and capitals without I, O, S, V, Z), the last one a check character.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first17):
    """The check character of the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value):
    """Refuse a unified social credit code that is not 18 characters of its alphabet or whose
    check character does not match, saying which."""
    if len(value) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，现为%(count)d位。"), code="length", params={"count": len(value)}
        )
    wrong = sorted({c for c in value if c not in CREDIT_CODE_ALPHABET})
    if wrong:
        raise ValidationError(
            _("统一社会信用代码含有无效字符：%(chars)s（只能是数字和除 I、O、S、V、Z 以外的大写字母）。"),
            code="alphabet",
            params={"chars": "、".join(wrong)},
        )
    if credit_code_check_character(value[:17]) != value[17]:
        raise ValidationError(_("统一社会信用代码的校验位不正确，请核对。"), code="check")


class ProviderKind(models.TextChoices):
    MARKET = "market", _("市场化物业企业")
    COMMUNITY_COMPANY = "community_company", _("社区公司")
    PARTY_LED = "party_led", _("红色物业（党建引领）")
    OTHER = "other", _("其他单位（自管组织、兜底单位等）")


class Provider(models.Model):
    """A property service company or another unit that manages neighbourhoods, in one district's
    register. The credit code, when given, is valid and unique in the district."""

    district = models.ForeignKey(
        "governance.District", models.PROTECT, related_name="providers", verbose_name=_("区")
    )
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=30, choices=ProviderKind.choices, default=ProviderKind.MARKET)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[phone_validator])
    address = models.CharField(_("地址"), max_length=200, blank=True)
    note = models.TextField(_("备注"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    territory_lookups = {Level.DISTRICT: "district_id"}

    class Meta:
        verbose_name = _("物业服务单位")
        verbose_name_plural = _("物业服务单位")
        ordering = ["district_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"],
                name="provider_unique_name",
                violation_error_message=_("本区已登记同名的物业服务单位。"),
            ),
            models.UniqueConstraint(
                fields=["district", "credit_code"],
                condition=~Q(credit_code=""),
                name="provider_unique_credit_code",
                violation_error_message=_("本区已登记该统一社会信用代码的物业服务单位。"),
            ),
        ]

    def clean_fields(self, exclude=None):
        self.name = (self.name or "").strip()
        self.credit_code = (self.credit_code or "").strip().upper()
        super().clean_fields(exclude)

    def __str__(self):
        return self.name
