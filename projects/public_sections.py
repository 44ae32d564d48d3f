"""Sections that higher apps add to a neighbourhood's public page (/n/<id>/).

The page belongs to `projects`, which may not import `surveys` or `funding` (docs/architecture.md,
"Layers"); they register a section from their `AppConfig.ready()` with
`register_public_section(name, build, order=…)`. `build(neighbourhood)` returns None when it has nothing to show, else a dict with the
`template` to include and its `context` (available to the template as `section`). A builder reads
public facts only: no personal data, one or two queries whatever the neighbourhood's size.
"""

_sections = {}


def register_public_section(name, build, *, order=100):
    _sections[name] = (order, build)


def unregister_public_section(name):
    _sections.pop(name, None)


def public_sections(neighbourhood):
    """The sections to show on `neighbourhood`'s page, in their order."""
    shown = []
    for _order, build in sorted(_sections.values(), key=lambda entry: entry[0]):
        section = build(neighbourhood)
        if section is not None:
            shown.append(section)
    return shown
