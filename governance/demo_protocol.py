"""The demo seed's protocol (governance.demo): the context every app's seed(ctx) receives, the scales,
the demo logins and the stairwell rows the territory leaves for higher apps."""

import random
import time
from dataclasses import dataclass, field
from typing import Callable

from .choices import RoleKind


@dataclass
class DemoContext:
    """What `seed(ctx)` of every app receives.

    scale: the scale's name ("small", "district", or "tiny" for tests);
    rng:   the one random generator of the run (seeded: the same seed gives the same data);
    write: prints a line of progress on the console;
    store: what an app leaves for the apps above it (keys documented in each app's demo.py);
    started: when the run began (time.monotonic), for progress lines: see elapsed().
    """

    scale: str
    rng: random.Random
    write: Callable[[str], None] = print
    store: dict = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def elapsed(self):
        """Seconds since the run began."""
        return time.monotonic() - self.started


@dataclass(frozen=True)
class ScaleSpec:
    """Counts are the whole city's (split evenly over its districts, then at random below)."""

    streets: int
    communities: int
    neighbourhoods: int
    buildings: int
    late_built: int  # neighbourhoods built after the cut-off (2002–2005)
    admitted: int  # of those, admitted with a reason
    neighbourhoods_per_community: tuple  # (low, high)
    buildings_per_neighbourhood: tuple  # (low, high)
    stairwells_per_building: dict  # {count: weight}
    floors: dict = field(default_factory=lambda: {4: 1, 5: 3, 6: 5, 7: 1})  # {floors: weight}
    districts: int = 1


SCALES = {
    # For tests that need only the shape, not the size (about 150 households).
    "tiny": ScaleSpec(
        streets=2, communities=3, neighbourhoods=6, buildings=8, late_built=1, admitted=1,
        neighbourhoods_per_community=(1, 3), buildings_per_neighbourhood=(1, 2),
        stairwells_per_building={1: 1, 2: 1},
    ),
    # What `make run` loads: about 20 neighbourhoods and 2,000 households.
    "small": ScaleSpec(
        streets=3, communities=6, neighbourhoods=20, buildings=90, late_built=2, admitted=1,
        neighbourhoods_per_community=(2, 5), buildings_per_neighbourhood=(2, 8),
        stairwells_per_building={1: 3, 2: 4, 3: 3},
    ),
    # For benchmarks: a whole district, about 400,000 households.
    "district": ScaleSpec(
        streets=8, communities=40, neighbourhoods=1500, buildings=15000, late_built=30, admitted=10,
        neighbourhoods_per_community=(15, 60), buildings_per_neighbourhood=(2, 30),
        stairwells_per_building={1: 10, 2: 45, 3: 35, 4: 10},
    ),
    # The city's shape at a test's size (hidden from --help, as tiny is): three districts, and the
    # history of dashboards/demo/ at its size.
    "tinycity": ScaleSpec(
        districts=3, streets=6, communities=9, neighbourhoods=45, buildings=90, late_built=2, admitted=1,
        neighbourhoods_per_community=(2, 8), buildings_per_neighbourhood=(1, 3),
        stairwells_per_building={1: 1, 2: 1},
    ),
    # A whole city: 12 districts, 20,000 neighbourhoods, 200,000 buildings, about 5,000,000
    # households, and four plan years of renovation history (dashboards/demo/).
    "city": ScaleSpec(
        districts=12, streets=120, communities=720, neighbourhoods=20000, buildings=200000,
        late_built=360, admitted=24,
        neighbourhoods_per_community=(10, 50), buildings_per_neighbourhood=(2, 30),
        stairwells_per_building={1: 15, 2: 50, 3: 28, 4: 7},
    ),
}


@dataclass(frozen=True)
class DemoLogin:
    """A demo user: username, its public demo password, its role (None: superuser) and level."""

    username: str
    password: str
    role: str | None
    english: str


# Public, demo-only passwords (printed by `manage.py demo_logins`).
DEMO_LOGINS = (
    DemoLogin("admin", "demo-admin", None, "superuser"),
    DemoLogin("city", "demo-city", RoleKind.CITY_OFFICIAL, "city official"),
    DemoLogin("district", "demo-district", RoleKind.DISTRICT_OFFICIAL, "district official"),
    DemoLogin("street", "demo-street", RoleKind.STREET_STAFF, "street staff"),
    DemoLogin("community", "demo-community", RoleKind.COMMUNITY_STAFF, "community staff"),
)


@dataclass(frozen=True)
class StairwellRow:
    """What residents.demo needs of a stairwell, without holding 40,000 model instances."""

    id: int
    building_id: int
    neighbourhood_id: int
    floors: int
