"""Field lists that the admin and the API both declare for one of governance's records: named once,
so that a field added to the record reaches the staff's page and the API together."""

# What an assessment is recorded with (assessment_record's keywords), in the order its pages and the
# API show them. Its items (a dict of name → score) stand after the score: see assessment_fields.
ASSESSMENT_FIELDS = (
    "arrangement",
    "year",
    "period_start",
    "period_end",
    "score",
    "assessor",
    "assessed_at",
    "note",
)


def assessment_fields(items):
    """ASSESSMENT_FIELDS with the field that holds the items, `items`, after the score (the admin's
    text box, its display of the stored items, or the API's dict)."""
    after_score = ASSESSMENT_FIELDS.index("score") + 1
    return [*ASSESSMENT_FIELDS[:after_score], items, *ASSESSMENT_FIELDS[after_score:]]
