"""The public facts of a neighbourhood's grid roles, for the contact card on its public page
(/n/<id>/, built by projects.governance_sections): the name and the role of each current head
(五长) and grid worker, never the phone nor anything else staff keep."""

from .grid import GridRole


def grid_contacts(neighbourhood, today=None):
    """The current grid roles of `neighbourhood` as public facts: [{"name", "role"}], in the
    staff's order. One query."""
    rows = (
        GridRole.objects.current(today)
        .filter(neighbourhood=neighbourhood)
        .order_by("order", "kind", "id")
        .values_list("name", "kind")
    )
    labels = dict(GridRole._meta.get_field("kind").choices)
    return [{"name": name, "role": labels[kind]} for name, kind in rows]

