"""Who may see and change what in the projects app. Everything goes through the scoping function."""

from governance.models import District
from governance.scoping import can_manage, scope, territory_of

from .models import CatalogueItem


def catalogue_visible_to(actor):
    """The menu an actor reads: the national items (no district) and the items their districts
    added. An actor without any role sees nothing."""
    territory = territory_of(actor)
    if territory.is_everything:
        return CatalogueItem.objects.all()
    if territory.is_empty:
        return CatalogueItem.objects.none()
    districts = scope(District.objects.all(), actor).values("pk")
    return CatalogueItem.objects.national_or(districts)


def may_add_catalogue_items(actor):
    """True when the actor manages at least one district (superusers; under today's roles no
    staff role manages a whole district, so district items are kept by the district's
    administrators, who are superusers)."""
    return scope(District.objects.all(), actor, write=True).exists()


def can_manage_catalogue_item(actor, item):
    """National items: superusers only. District items: whoever manages that district through the
    scoping function."""
    if item.district_id is None:
        return bool(getattr(actor, "is_superuser", False))
    return can_manage(actor, item)


def can_manage_district(actor, district):
    return district is not None and can_manage(actor, district)
