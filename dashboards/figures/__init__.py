"""The dashboards' figures, one module per page over shared units and tables:

- `units`: the levels, the period (plan year, as-of month), a unit and its way up, scoping;
- `tables`: `Table`, what a page shows, its chart draws and its export writes;
- `overview`: the overview page's figures and tables;
- `map`: the map of a unit's neighbourhoods, coloured by their project's stage;
- `consultation`: the consultation page's (participation, demands, opinions, votes, what waits);
- `waiting`: what waits for staff, the consultation page's last table;
- `money`: the money and management page's (funding, gaps, management, assessments, subsidies).

Read-only: everything is read through the lower apps' models, querysets, selectors and the scoping
function; nothing is written.
"""

from .units import (  # noqa: F401
    ZERO,
    CITY,
    DISTRICT,
    STREET,
    COMMUNITY,
    NEIGHBOURHOOD,
    PROJECT,
    LEVELS,
    LEVEL_NAMES,
    LEVEL_MODELS,
    NEIGHBOURHOOD_LOOKUP,
    CHILD_LEVEL,
    LIST_LIMIT,
    Period,
    Unit,
    ancestors_of,
    UNIT_RELATED,
    scoped_neighbourhoods,
    plan_projects,
    live_at,
    YEARS_SHOWN,
    plan_years,
    rate,
    unit_projects,
    child_units,
    count_of,
    sum_of,
)
from .tables import (  # noqa: F401
    Table,
)
from .overview import (  # noqa: F401
    FUNNEL_STAGES,
    GROUPS,
    GROUP_NAMES,
    MEASURES,
    MEASURE_NAMES,
    neighbourhood_figures,
    project_rows,
    empty_groups,
    add_groups,
    start_rates,
    compute_investment,
    stage_funnel,
    overview,
    overview_tables,
)
from .consultation import (  # noqa: F401
    TOP_ITEMS,
    consultation,
    consultation_tables,
)
from .waiting import WAITING_KINDS  # noqa: F401
from .money import (  # noqa: F401
    BANDS,
    money_page,
    money_tables,
)
