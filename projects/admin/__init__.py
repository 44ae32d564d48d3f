"""The admin of the projects app: thin — every write calls a service, every list is scoped. One module a
sub-domain; importing the package registers every page."""

from .catalogue import CatalogueItemAdmin
from .notices import NoticeAdmin, ObjectionAdmin, ObjectionAnswerForm, ObjectionInline
from .photos import PhotoAdmin, PhotoUploadForm
from .projects import (
    AcceptanceInline,
    CompactInlineMixin,
    FindingInline,
    NoticeInline,
    ProgressReportInline,
    ProjectAdmin,
    ProjectCommunityFilter,
    ProjectStreetFilter,
    ScopeItemInline,
)
from .works import (
    AcceptanceAdmin,
    FindingPhotoInline,
    OpenFindingFilter,
    ProgressReportAdmin,
    ScopeItemAdmin,
    SettledFilter,
    SupervisionFindingAdmin,
)

__all__ = [
    "AcceptanceAdmin", "AcceptanceInline", "CatalogueItemAdmin", "CompactInlineMixin", "FindingInline",
    "FindingPhotoInline", "NoticeAdmin", "NoticeInline", "ObjectionAdmin", "ObjectionAnswerForm",
    "ObjectionInline", "OpenFindingFilter", "PhotoAdmin", "PhotoUploadForm", "ProgressReportAdmin",
    "ProgressReportInline", "ProjectAdmin", "ProjectCommunityFilter", "ProjectStreetFilter", "ScopeItemAdmin",
    "ScopeItemInline", "SettledFilter", "SupervisionFindingAdmin",
]
