"""The photo checks moved to governance.photos (layer 1), so that residents' reports use them too.
Kept as a re-export for imports not yet moved; new code imports governance.photos."""

from governance.photos import MAX_BYTES, MAX_PIXELS, PreparedPhoto, prepare_photo  # noqa: F401
