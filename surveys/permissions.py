"""Who may use what in the surveys app. Everything goes through the scoping function."""
from governance.scoping import scope, territory_of

from .models import ProcessTemplate


def templates_visible_to(actor):
    """The consultation templates an actor may start a process from: the built-in ones (no
    district) and those of the districts the actor sees. An actor without any role gets none."""
    territory = territory_of(actor)
    if territory.is_empty:
        return ProcessTemplate.objects.none()
    return ProcessTemplate.objects.filter(district__isnull=True) | scope(ProcessTemplate.objects.all(), actor)
