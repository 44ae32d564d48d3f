from . import disclosure, meetings, stars, views

# (prefix, viewset, basename) rows that config/api_urls.py puts on the one router.
routes = [
    ("districts", views.DistrictViewSet, "district"),
    ("streets", views.StreetViewSet, "street"),
    ("communities", views.CommunityViewSet, "community"),
    ("neighbourhoods", views.NeighbourhoodViewSet, "neighbourhood"),
    ("buildings", views.BuildingViewSet, "building"),
    ("stairwells", views.StairwellViewSet, "stairwell"),
    ("bodies", views.BodyViewSet, "body"),
    ("joint-meetings", meetings.JointMeetingViewSet, "joint-meeting"),
    ("resolutions", meetings.ResolutionViewSet, "resolution"),
    ("star-ratings", stars.StarRatingViewSet, "star-rating"),
    ("disclosures", disclosure.DisclosureViewSet, "disclosure"),
    ("providers", views.ProviderViewSet, "provider"),
    ("grid-roles", views.GridRoleViewSet, "grid-role"),
]
