"""The one scoping function: what an actor may see and manage.

Every queryset in the admin, the API and the pages goes through `scope(queryset, actor)`. A model
takes part by declaring `territory_lookups`, a dict from level (district/street/community) to the
ORM lookup of that level's id. For instance a household declares
`{"district": "neighbourhood__community__street__district_id", ...}`.

Rules:
- a superuser sees everything;
- a city official (市住建局) sees everything too, read-only: every district of the deployment;
- a role sees the rows inside its territory: the lookup of the role's own level equals the
  role's territory id;
- a role also sees the rows *above* it that contain its territory (community staff see their own
  street and district), matched through the role's ancestors, so filters and breadcrumbs work;
  it never manages them;
- `write=True` keeps only the roles that may write (street and community staff); a district
  official is read-only;
- an actor without a role (or anonymous) sees nothing.

A model whose lookups cross a many-to-many relation sets `territory_distinct = True`; the filter
is then applied as `pk IN (subquery)` so that rows are never duplicated.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from .choices import LEVEL_ORDER, ROLE_MAY_WRITE, Level


def territory_via(prefix):
    """`territory_lookups` for a model that reaches its territory through the neighbourhood at the
    ORM path `prefix` (e.g. "neighbourhood", "building__neighbourhood", "project__neighbourhoods")."""
    return {
        Level.DISTRICT: f"{prefix}__community__street__district_id",
        Level.STREET: f"{prefix}__community__street_id",
        Level.COMMUNITY: f"{prefix}__community_id",
    }


@dataclass(frozen=True)
class Grant:
    """One role's reach: its level, whether it writes, and the ids of its territory and ancestors."""

    level: str
    may_write: bool
    district_id: int
    street_id: int | None = None
    community_id: int | None = None

    def id_at(self, level):
        return {
            Level.DISTRICT: self.district_id,
            Level.STREET: self.street_id,
            Level.COMMUNITY: self.community_id,
        }[level]


@dataclass(frozen=True)
class Territory:
    is_everything: bool = False  # a superuser: sees and manages everything
    grants: tuple = field(default_factory=tuple)
    reads_everything: bool = False  # a city official: sees every district, manages nothing

    @property
    def is_empty(self):
        return not self.is_everything and not self.reads_everything and not self.grants

    @property
    def sees_everything(self):
        return self.is_everything or self.reads_everything

    def may_write(self):
        return self.is_everything or any(g.may_write for g in self.grants)


NOWHERE = Territory()
EVERYWHERE = Territory(is_everything=True)


def territory_of(actor):
    """The actor's territory, computed once per actor object (cached on it for the request)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return NOWHERE
    if actor.is_superuser:
        return EVERYWHERE
    cached = getattr(actor, "_territory_cache", None)
    if cached is not None:
        return cached
    grants = []
    reads_everything = False
    roles = actor.staff_roles.select_related("street", "community__street")
    for role in roles:
        if role.level is None:
            reads_everything = True  # the city official
        elif role.level == Level.DISTRICT:
            grants.append(Grant(Level.DISTRICT, ROLE_MAY_WRITE[role.kind], role.district_id))
        elif role.level == Level.STREET:
            grants.append(
                Grant(Level.STREET, ROLE_MAY_WRITE[role.kind], role.street.district_id, role.street_id)
            )
        else:
            c = role.community
            grants.append(
                Grant(Level.COMMUNITY, ROLE_MAY_WRITE[role.kind], c.street.district_id, c.street_id, c.id)
            )
    territory = Territory(grants=tuple(grants), reads_everything=reads_everything)
    actor._territory_cache = territory
    return territory


def forget_territory(actor):
    """Drop the cached territory (after the actor's roles change)."""
    actor.__dict__.pop("_territory_cache", None)


def _grant_q(model, grant, write):
    lookups = model.territory_lookups
    if grant.level in lookups:
        return Q(**{lookups[grant.level]: grant.id_at(grant.level)})
    if write:
        return None  # what lies above a role's territory is never the role's to manage
    # The model sits above the grant's level: match the finest level it has through the ancestors.
    for level in reversed(LEVEL_ORDER[: LEVEL_ORDER.index(grant.level)]):
        if level in lookups:
            return Q(**{lookups[level]: grant.id_at(level)})
    return None


def scope_q(model, actor, *, write=False):
    """The Q that keeps what `actor` may see (or manage, with write=True) of `model`; None = all."""
    territory = territory_of(actor)
    if territory.is_everything or (territory.reads_everything and not write):
        return None
    q = Q(pk__in=[])
    for grant in territory.grants:
        if write and not grant.may_write:
            continue
        grant_q = _grant_q(model, grant, write)
        if grant_q is not None:
            q |= grant_q
    return q


def scope(queryset, actor, *, write=False):
    """Restrict `queryset` to the rows `actor` may see (write=False) or manage (write=True).

    Guarantees: never widens the queryset; an actor without roles gets an empty queryset; a model
    without `territory_lookups` is refused (TypeError), so a new model cannot leak by omission.
    What it adds depends on nothing but `territory_of(actor)` and `write` (governance.api.compiled
    keeps a statement per territory on that ground: keep it so).
    """
    model = queryset.model
    if not hasattr(model, "territory_lookups"):
        raise TypeError(f"{model.__name__} declares no territory_lookups and cannot be scoped")
    q = scope_q(model, actor, write=write)
    if q is None:
        return queryset
    if getattr(model, "territory_distinct", False):
        return queryset.filter(pk__in=model._default_manager.filter(q).values("pk"))
    return queryset.filter(q)


def can_see(actor, obj):
    return scope(type(obj)._default_manager.filter(pk=obj.pk), actor).exists()


def can_manage(actor, obj):
    """True when `actor` may change `obj`: a superuser, or street/community staff over it."""
    return scope(type(obj)._default_manager.filter(pk=obj.pk), actor, write=True).exists()


def require_manage(actor, obj):
    """PermissionDenied unless `actor` (None for a resident: never) may change `obj`; the services'
    first check before a write."""
    if actor is None or not can_manage(actor, obj):
        raise PermissionDenied
