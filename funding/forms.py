"""Forms of the funding app: the subsidy plan's add form, with one row per plan year (its rate) and
one row per score band (minimum, maximum, payout percentage) instead of typed lists.

The form parses the rows and names the row and the field of each mistake; the plan's rules (rates
never rising, shares summing to 100 %, every paying year worth a cent, …) are funding.services'
`subsidy_plan_check`, called here so that their refusals, too, stand beside their field before
anything is saved. The admin then saves through `subsidy_plan_create` (one transaction)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.bounds import MAX_SUBSIDY_RATE, TEXT_MAX, limit_text

from .choices import DEFAULT_SCORE_BANDS
from .models import SubsidyPlan
from .services import PLAN_MAX_YEARS, subsidy_plan_check

# How many rows the form offers: the longest plan (PLAN_MAX_YEARS) and the most bands it takes.
SCORE_BANDS_MAX = 5
RATE_MAX = MAX_SUBSIDY_RATE  # governance.bounds: no installment can overflow its amount
HUNDRED = Decimal("100")


class RowsWidget(forms.Widget):
    """A table of `rows` rows × `columns` inputs. Input names are "<name>-<row>-<column key>";
    the value is a list of one dict per row ({column key: text})."""

    def __init__(self, *, columns, rows, row_header, row_label, attrs=None):
        super().__init__(attrs)
        self.columns = columns  # [(key, header)]
        self.rows = rows
        self.row_header = row_header  # the first column's header ("年度")
        self.row_label = row_label  # each row's header ("第%(n)d年")

    def value_from_datadict(self, data, files, name):
        return [
            {key: (data.get(f"{name}-{i}-{key}") or "").strip()[:40] for key, _header in self.columns}
            for i in range(self.rows)
        ]

    def value_omitted_from_data(self, data, files, name):
        return not any(key.startswith(f"{name}-") for key in data)

    def render(self, name, value, attrs=None, renderer=None):
        value = list(value or [])
        headers = format_html_join("", '<th scope="col">{}</th>', ((h,) for _key, h in self.columns))
        body = []
        for i in range(self.rows):
            row = value[i] if i < len(value) else {}
            label = self.row_label % {"n": i + 1}
            cells = format_html_join(
                "",
                '<td><input type="text" inputmode="decimal" size="8" maxlength="40" name="{}-{}-{}"'
                ' id="id_{}-{}-{}" value="{}" aria-label="{} {}"></td>',
                (
                    (name, i, key, name, i, key, row.get(key, ""), label, header)
                    for key, header in self.columns
                ),
            )
            body.append(format_html('<tr><th scope="row">{}</th>{}</tr>', label, cells))
        return format_html(
            '<table class="plan-rows" id="id_{}"><thead><tr><th scope="col">{}</th>{}</tr></thead>'
            "<tbody>{}</tbody></table>",
            name,
            self.row_header,
            headers,
            format_html_join("", "{}", ((r,) for r in body)),
        )


def _number(text, problems, message, **names):
    """`text` as a Decimal, or None after adding `message` (with `names` and the text) to
    `problems`."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        problems.append(message % {**names, "value": text})
        return None
    return value


class PlanRatesField(forms.Field):
    """One rate per plan year, from the first year on: a list of decimal strings."""

    def __init__(self, **kwargs):
        self.widget = RowsWidget(
            columns=[("rate", gettext_lazy("补贴标准(元/平方米·年)"))],
            rows=PLAN_MAX_YEARS,
            row_header=gettext_lazy("年度"),
            row_label=gettext_lazy("第%(n)d年"),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        texts = [row.get("rate", "") for row in (value or [])]
        while texts and not texts[-1]:
            texts.pop()
        if not texts:
            raise ValidationError(_("请至少填写第1年的补贴标准。"))
        problems, rates = [], []
        for year, text in enumerate(texts, start=1):
            if not text:
                problems.append(
                    _("第%(year)d年：请填写补贴标准（计划年度须连续，不用的年度留空在最后）。") % {"year": year}
                )
                continue
            rate = _number(
                text, problems, _("第%(year)d年的补贴标准“%(value)s”不是有效的数字。"), year=year
            )
            if rate is None:
                continue
            if not 0 < rate <= RATE_MAX:
                problems.append(
                    _("第%(year)d年的补贴标准须大于0且不超过 %(max)s 元/平方米·年，现为 %(value)s。")
                    % {"year": year, "max": RATE_MAX, "value": text}
                )
                continue
            rates.append(str(rate))
        if problems:
            raise ValidationError(problems)
        return rates


class ScoreBandsField(forms.Field):
    """Score bands, each a minimum (inclusive), a maximum (exclusive; the top band's is 100,
    inclusive) and a payout percentage. The bands must meet end to end: no overlap, no gap, the top
    one reaching 100. Cleans to the service's form: [{"min_score", "ratio"}], ratio = percent / 100."""

    columns = [
        ("min_score", gettext_lazy("最低分(含)")),
        ("max_score", gettext_lazy("最高分(不含，最高档为100)")),
        ("percent", gettext_lazy("发放比例(%)")),
    ]

    def __init__(self, **kwargs):
        self.widget = RowsWidget(
            columns=self.columns,
            rows=SCORE_BANDS_MAX,
            row_header=gettext_lazy("档次"),
            row_label=gettext_lazy("第%(n)d档"),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        problems, bands = [], []
        for n, row in enumerate(value or [], start=1):
            if not any(row.values()):
                continue
            parsed = {}
            for key, header in self.columns:
                text = row.get(key, "")
                if not text:
                    problems.append(_("第%(n)d档：请填写%(field)s。") % {"n": n, "field": header})
                    continue
                number = _number(
                    text, problems, _("第%(n)d档的%(field)s“%(value)s”不是有效的数字。"), n=n, field=header
                )
                if number is None:
                    continue
                if not 0 <= number <= HUNDRED:
                    problems.append(_("第%(n)d档的%(field)s须在0至100之间。") % {"n": n, "field": header})
                elif number != number.quantize(Decimal("0.01")):
                    problems.append(_("第%(n)d档的%(field)s最多两位小数。") % {"n": n, "field": header})
                else:
                    parsed[key] = number
            if len(parsed) < len(self.columns):
                continue
            if parsed["min_score"] >= parsed["max_score"]:
                problems.append(_("第%(n)d档的最低分须低于最高分。") % {"n": n})
                continue
            bands.append((n, parsed))
        if problems:
            raise ValidationError(problems)
        if not bands:
            raise ValidationError(_("请至少填写一档考核得分档次。"))
        bands.sort(key=lambda band: band[1]["min_score"], reverse=True)
        top_n, top = bands[0]
        if top["max_score"] != HUNDRED:
            problems.append(_("第%(n)d档是最高一档，最高分须为100。") % {"n": top_n})
        for (upper_n, upper), (n, band) in zip(bands, bands[1:]):
            if band["max_score"] != upper["min_score"]:
                problems.append(
                    _("第%(n)d档的最高分须等于第%(upper)d档的最低分 %(min)s（各档首尾相接，不重叠、不留空档）。")
                    % {"n": n, "upper": upper_n, "min": upper["min_score"]}
                )
        if problems:
            raise ValidationError(problems)
        return [
            {"min_score": str(band["min_score"]), "ratio": str(band["percent"] / HUNDRED)}
            for _n, band in bands
        ]


def _plain(number):
    """A Decimal without trailing zeros nor exponent: 80, 60.5, 0.3."""
    return f"{number.normalize():f}"


def bands_rows(bands):
    """Stored bands ([{"min_score", "ratio"}]) as the form's rows (with their maximum and percent),
    highest first."""
    ordered = sorted(bands, key=lambda band: Decimal(str(band["min_score"])), reverse=True)
    rows, upper = [], HUNDRED
    for band in ordered:
        minimum = Decimal(str(band["min_score"]))
        percent = Decimal(str(band["ratio"])) * HUNDRED
        rows.append({"min_score": _plain(minimum), "max_score": _plain(upper), "percent": _plain(percent)})
        upper = minimum
    return rows


def _lines(text, what):
    """Parse lines "name:value" (full- or half-width colon) into [(name, value)]."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip().replace("：", ":")
        if not line:
            continue
        name, sep, value = line.rpartition(":")
        if not sep or not name.strip() or not value.strip():
            raise ValidationError(_("第%(n)d行应为“%(what)s”。") % {"n": number, "what": what})
        rows.append((name.strip(), value.strip()))
    return rows


class SubsidyPlanForm(forms.ModelForm):
    """A new plan: the plan's fields, its years' rates, its payers, its score bands."""

    rates_rows = PlanRatesField(
        label=gettext_lazy("各年度补贴标准"),
        help_text=gettext_lazy("从第1年起逐年填写，逐年递减或持平；计划有几年就填几行，其余留空。"),
    )
    payers_text = limit_text(
        forms.CharField(
            label=gettext_lazy("出资方及分担比例(%)"),
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=gettext_lazy(
                "每行一个：出资单位:比例，合计100，例如“市财政局:25”“区财政局:75”。第一行承担分位尾差。"
            ),
        ),
        TEXT_MAX,
    )
    bands_rows = ScoreBandsField(
        label=gettext_lazy("考核得分档次"),
        initial=bands_rows(DEFAULT_SCORE_BANDS),
        help_text=gettext_lazy(
            "每档一行：得分不低于最低分、低于最高分时按发放比例发放；最高一档的最高分填100（含100分）。"
            "各档首尾相接；低于最低一档的得分不发放。"
        ),
    )

    class Meta:
        model = SubsidyPlan
        fields = ["neighbourhood", "arrangement", "name", "area", "start_on"]

    # The service's error keys → this form's fields.
    service_fields = {"rates": "rates_rows", "score_bands": "bands_rows", "payers": "payers_text"}

    def clean_payers_text(self):
        return [
            {"source": None, "payer_name": name, "share": share}
            for name, share in _lines(self.cleaned_data["payers_text"], _("出资单位:比例"))
        ]

    def clean(self):
        data = super().clean()
        needed = ["neighbourhood", "arrangement", "area", "rates_rows", "payers_text", "bands_rows"]
        if any(data.get(name) is None for name in needed):
            return data  # a field is already refused: its message stands beside it
        try:
            subsidy_plan_check(
                neighbourhood=data["neighbourhood"],
                arrangement=data["arrangement"],
                area=data["area"],
                rates=data["rates_rows"],
                payers=data["payers_text"],
                score_bands=data["bands_rows"],
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                raise
            for key, errors in exc.error_dict.items():
                self.add_error(self.service_fields.get(key, key if key in self.fields else None), errors)
        return data
