"""The admin cases of residents: households and the reports residents send."""

from tests.admin_cases.base import Case, field_is, one_new


def _household_add(w, role):
    return {
        "neighbourhood": w.n111.pk,
        "building": w.building.pk,
        "stairwell": w.stairwell.pk,
        "room": "601",
        "floor": 6,
        "floor_area": "88.30",
        "owner_name": "赵六",
        "phone": "13900000000",
    }



CASES = {
    "residents.Household": Case(
        add=_household_add,
        added=one_new(room="601", floor_area="88.30"),
        change=lambda w: (w.households[0], {"phone": "13700000000"}),
        changed=field_is(phone="13700000000"),
    ),
    "residents.ResidentReport": Case(
        change=lambda w: (w.resident_report, {"answer": "已通知施工单位"}),
        changed=field_is(answer="已通知施工单位", status="answered"),
    ),
}
