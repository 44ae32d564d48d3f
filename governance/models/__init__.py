"""The territory (District → Street → Community → Neighbourhood → Building → Stairwell), staff
roles, and the audit log.

Every model that belongs to a territory declares `territory_lookups`: for each level
(district/street/community) the ORM lookup from the model to that level's id. The one scoping
function (governance.scoping.scope) reads it; see there.

One module a sub-domain: territory, staff (roles, audit log, login counters), management; the
other governance models live in their own modules (bodies, meetings, stars, disclosure, providers,
grid) and are imported here so Django finds them.
"""

from .management import Assessment, ManagementArrangement, ManagementMode
from .staff import AuditEntry, LoginCounter, StaffRole
from .territory import DEFAULT_ELIGIBILITY_CUTOFF, Building, Community, District, Neighbourhood, Stairwell, Street

# Self-governance bodies and the party members' ledger live in their own module.
from ..bodies import Body, BodyMember, CompositionRule, PartyMember, VanguardTeam  # noqa: E402,F401
# Joint meetings and their resolutions live in their own module.
from ..meetings import JointMeeting, Resolution  # noqa: E402,F401
# Star ratings (the five-star neighbourhood) live in their own module.
from ..stars import StarDimension, StarRating, StarScheme  # noqa: E402,F401
# Disclosure (三公开) lives in its own module.
from ..disclosure import Disclosure, DisclosureAttachment  # noqa: E402,F401
from ..providers import Provider  # noqa: E402,F401
# Grid roles (the five heads and grid workers) live in their own module.
from ..grid import GridRole  # noqa: E402,F401
