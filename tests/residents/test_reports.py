"""What residents report (随时反馈, issue 13 item 9): the household's form on /me/ and its limits,
the photo checks, the community's queue in the admin and the API scoped per role (404 outside,
officials read only), the answer on /me/, the public count, and a works-quality report turned
into a supervision finding of the project (closed again when the finding is resolved)."""

import datetime
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from governance.models import AuditEntry
from governance.scoping import scope
from projects.choices import FindingSource, Stage
from projects.models import Photo, SupervisionFinding
from projects.report_findings import report_to_finding
from projects.services import finding_resolve
from residents.reports import REPORTS_PER_DAY, REPORTS_WAITING_MAX, ResidentReport, ResidentReportPhoto
from residents.services import household_code_issue_one
from residents.services_reports import report_answer, report_close, report_submit
from tests.projects.factories import ProjectFactory
from tests.scopes import NEIGHBOURHOODS, VISIBLE, WRITERS
from tests.surveys.helpers import jpeg_upload

PHONE = "13912345678"
ID_NUMBER = "51100219800101123X"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _household(neighbourhood, index=0):
    return neighbourhood.households.order_by("pk")[index]


def _report(neighbourhood, category="hygiene", text="垃圾桶满了", index=0, **extra):
    return report_submit(household=_household(neighbourhood, index), category=category, text=text, **extra)


# ---- scoping: each role × inside/outside × list, detail, change, API ------------------------------

@pytest.fixture
def rows(territory):
    return {key: _report(getattr(territory, key), text=f"反映{key}") for key in NEIGHBOURHOODS}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_the_scoping_function_reads_and_writes_each_roles_reports(role, rows, users, city):
    actor = getattr(users, role)
    seen = set(scope(ResidentReport.objects.all(), actor).values_list("pk", flat=True))
    assert seen == {rows[key].pk for key in VISIBLE[role]}
    written = set(scope(ResidentReport.objects.all(), actor, write=True).values_list("pk", flat=True))
    assert written == (seen if role in WRITERS else set())


@pytest.mark.parametrize("role", ["city", "official", "street", "community"])
def test_admin_list_detail_and_change_inside_and_outside(role, rows, users, client, city):
    client.force_login(getattr(users, role))
    listing = client.get(reverse("admin:residents_residentreport_changelist"))
    assert listing.status_code == 200
    text = listing.content.decode()
    for key, report in rows.items():
        assert (f"反映{key}" in text) == (key in VISIBLE[role]), key
    for key in ("n111", "n211"):
        url = reverse("admin:residents_residentreport_change", args=[rows[key].pk])
        inside = key in VISIBLE[role]
        assert client.get(url).status_code == (200 if inside else 404), (key, role)
        response = client.post(url, {"answer": "已处理", "_save": "1"})
        if not inside:
            assert response.status_code == 404
        elif role in WRITERS:
            assert response.status_code == 302, response.content.decode()[:2000]
        else:
            assert response.status_code == 403
            assert "只能查看" in response.content.decode()
        stored = ResidentReport.objects.get(pk=rows[key].pk)
        assert (stored.status == "answered") == (inside and role in WRITERS)


@pytest.mark.parametrize("role", ["city", "official", "street", "community", "nobody"])
def test_the_api_lists_reads_and_answers_inside_only(role, rows, users, city):
    api = APIClient()
    api.force_authenticate(getattr(users, role))
    response = api.get("/api/v1/resident-reports/")
    if role == "nobody":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {rows[k].pk for k in VISIBLE[role]}
    for key in ("n111", "n211"):
        inside = key in VISIBLE[role]
        detail = api.get(f"/api/v1/resident-reports/{rows[key].pk}/")
        assert detail.status_code == (200 if inside else 404)
        answered = api.post(f"/api/v1/resident-reports/{rows[key].pk}/answer/", {"answer": "已安排清运"}, format="json")
        if role in WRITERS:
            assert answered.status_code == (200 if inside else 404), answered.content
        else:
            assert answered.status_code == 403
        closed = api.post(f"/api/v1/resident-reports/{rows[key].pk}/close/", {}, format="json")
        if role in WRITERS:
            assert closed.status_code == (200 if inside else 404), closed.content
        else:
            assert closed.status_code == 403
    expected = "closed" if role in WRITERS else "open"
    assert ResidentReport.objects.get(pk=rows["n111"].pk).status == expected
    assert ResidentReport.objects.get(pk=rows["n211"].pk).status == "open"  # outside, or read only


def test_the_api_refuses_an_empty_or_long_answer_naming_the_field(rows, users):
    api = APIClient()
    api.force_authenticate(users.community)
    url = f"/api/v1/resident-reports/{rows['n111'].pk}/answer/"
    assert "answer" in api.post(url, {"answer": ""}, format="json").json()
    assert "answer" in api.post(url, {"answer": "长" * 2001}, format="json").json()
    assert "answer" in api.post(f"/api/v1/resident-reports/{rows['n111'].pk}/close/", {}, format="json").json()
    assert ResidentReport.objects.get(pk=rows["n111"].pk).status == "open"


def test_the_services_refuse_staff_outside_and_officials(rows, users, city):
    for actor in (users.official, city):
        with pytest.raises(PermissionDenied):
            report_answer(report=rows["n111"], answer="越权", actor=actor)
    with pytest.raises(PermissionDenied):
        report_close(report=rows["n121"], answer="越权", actor=users.community)
    assert not ResidentReport.objects.exclude(status="open").exists()


def test_admin_filters_by_status_category_and_age(rows, territory, users, client):
    old = _report(territory.n111, category="safety", text="很久以前的反映", index=1, now=timezone.now() - datetime.timedelta(days=10))
    report_close(report=rows["n121"], answer="已处理", actor=users.street)
    client.force_login(users.street)
    url = reverse("admin:residents_residentreport_changelist")
    assert "很久以前的反映" in client.get(url + "?age=over7").content.decode()
    assert "反映n111" not in client.get(url + "?age=over7").content.decode()
    assert "反映n111" in client.get(url + "?age=3").content.decode()
    assert "很久以前的反映" in client.get(url + "?category=safety").content.decode()
    closed = client.get(url + "?status=closed").content.decode()
    assert "反映n121" in closed and "反映n111" not in closed
    assert old.pk


# ---- the resident's form, its limits and its photos ----------------------------------------------


@pytest.fixture
def resident(territory, users, client):
    household = _household(territory.n111)
    code = household_code_issue_one(household=household, actor=users.community)
    client.post(reverse("residents:entry"), {"code": code, "next": "/me/"})
    return household


def test_the_form_needs_the_household_code(client, territory):
    response = client.get(reverse("residents:report_new"))
    assert response.status_code == 302 and response["Location"] == "/code/?next=%2Fme%2Freports%2Fnew%2F"


def test_wrong_codes_on_the_way_to_the_form_are_limited_like_every_code_form(client, territory, users):
    household = _household(territory.n111)
    code = household_code_issue_one(household=household, actor=users.community)
    wrong = code[:-4] + ("AAAA" if not code.endswith("AAAA") else "BBBB")
    client.get("/code/?next=/me/reports/new/")  # the device cookie
    statuses = [
        client.post(reverse("residents:entry"), {"code": wrong, "next": "/me/reports/new/"}).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429
    # While it must wait, even the right code is not checked: the form stays out of reach.
    assert client.post(reverse("residents:entry"), {"code": code, "next": "/me/reports/new/"}).status_code == 429


def test_a_resident_reports_with_a_photo_and_reads_the_answer_on_me(client, resident, users, media):
    page = client.get(reverse("residents:report_new"))
    assert page.status_code == 200 and "反映问题" in page.content.decode()
    response = client.post(
        reverse("residents:report_new"),
        {"category": "works_quality", "text": "外墙涂料起皮", "photo1": jpeg_upload()},
    )
    assert response.status_code == 302 and response["Location"] == "/me/#reports"
    report = ResidentReport.objects.get()
    assert (report.household, report.neighbourhood_id, report.status) == (resident, resident.neighbourhood_id, "open")
    photo = report.photos.get()
    assert photo.image.name.startswith("residents/reports/") and str(photo.uid.hex) in photo.image.name
    me = client.get("/me/").content.decode()
    assert "外墙涂料起皮" in me and "等待社区答复" in me
    assert "<title>我家的事项</title>" in me and me.count('id="reports-title"') == 1
    report_answer(report=report, answer="施工单位周五来处理", actor=users.community)
    me = client.get("/me/").content.decode()
    assert "施工单位周五来处理" in me and "已答复" in me


@pytest.mark.parametrize(
    "values, field, words",
    [
        ({"category": "", "text": "有问题"}, "category", ""),
        ({"category": "weather", "text": "有问题"}, "category", ""),
        ({"category": "safety", "text": ""}, "text", ""),
        ({"category": "safety", "text": "长" * 501}, "text", "最多500字"),
    ],
)
def test_the_form_refuses_bad_input_naming_the_field(values, field, words, client, resident):
    response = client.post(reverse("residents:report_new"), values)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert words in " ".join(response.context["form"].errors[field])
    assert not ResidentReport.objects.exists()


def _png_with_gps():
    image = Image.new("RGB", (30, 20), (10, 120, 10))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 40.0, 50.0)}  # GPS IFD
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    out.seek(0)
    out.name = "gps.jpg"
    return out


def test_photos_are_checked_and_stored_without_exif(territory):
    report = _report(territory.n111, photos=[_png_with_gps()])
    stored = report.photos.get()
    with stored.image.open("rb") as f:
        again = Image.open(f)
        again.load()
        assert not again.getexif() and "exif" not in again.info
    fake = io.BytesIO(b"not an image at all")
    fake.name = "x.jpg"
    with pytest.raises(ValidationError) as refused:
        _report(territory.n111, index=1, photos=[fake])
    assert "photos" in refused.value.message_dict and "第1张照片" in refused.value.message_dict["photos"][0]
    gif = io.BytesIO()
    Image.new("RGB", (5, 5)).save(gif, "GIF")
    gif.seek(0)
    with pytest.raises(ValidationError, match="GIF"):
        _report(territory.n111, index=1, photos=[gif])
    with pytest.raises(ValidationError) as too_many:
        _report(territory.n111, index=1, photos=[jpeg_upload() for _ in range(4)])
    assert "最多上传3张" in too_many.value.message_dict["photos"][0]
    assert ResidentReport.objects.count() == 1 and ResidentReportPhoto.objects.count() == 1


def test_an_oversized_photo_is_refused_before_it_is_read(territory, monkeypatch):
    from governance import photos

    monkeypatch.setattr(photos, "MAX_BYTES", 100)
    with pytest.raises(ValidationError, match="过大"):
        _report(territory.n111, photos=[jpeg_upload(size=(200, 200))])


def test_report_attempt_limits_per_household(territory, users, client, resident):
    for i in range(REPORTS_WAITING_MAX):
        report_submit(household=resident, category="other", text=f"第{i}条")
    response = client.post(reverse("residents:report_new"), {"category": "other", "text": "再来一条"})
    assert response.status_code == 400 and "等待答复" in response.content.decode()
    for report in ResidentReport.objects.all():
        report_answer(report=report, answer="收到", actor=users.community)
    for i in range(REPORTS_PER_DAY - REPORTS_WAITING_MAX):
        report_submit(household=resident, category="other", text=f"又一条{i}")
        report_answer(report=ResidentReport.objects.filter(status="open").get(), answer="收到", actor=users.community)
    with pytest.raises(ValidationError, match="24小时内最多反映5条"):
        report_submit(household=resident, category="other", text="一天第六条")
    later = timezone.now() + datetime.timedelta(hours=25)
    report_submit(household=resident, category="other", text="第二天", now=later)
    # Another household of the same neighbourhood is not held back by this one.
    report_submit(household=_household(territory.n111, 1), category="other", text="邻居")
    assert ResidentReport.objects.count() == REPORTS_PER_DAY + 2


def test_no_report_text_phone_or_id_number_in_any_audit_row(territory, users):
    report = _report(territory.n111, text=f"请联系我 {PHONE}，身份证 {ID_NUMBER}")
    report_answer(report=report, answer=f"已致电 {PHONE}", actor=users.community)
    report_close(report=report, answer=f"办结，身份证{ID_NUMBER}已核对", actor=users.community)
    dumped = json.dumps(list(AuditEntry.objects.values("summary", "details")), ensure_ascii=False)
    assert "report_submit" in json.dumps(list(AuditEntry.objects.values_list("action", flat=True)))
    assert PHONE not in dumped and ID_NUMBER not in dumped and "请联系我" not in dumped


def test_moves_follow_the_table(territory, users):
    report = _report(territory.n111)
    report_answer(report=report, answer="收到", actor=users.community)
    with pytest.raises(ValidationError, match="已答复"):
        report_answer(report=report, answer="再答复", actor=users.community)
    report_close(report=report, actor=users.community)
    with pytest.raises(ValidationError, match="已办结"):
        report_close(report=report, answer="再办结", actor=users.community)
    assert ResidentReport.objects.get(pk=report.pk).closed_by == users.community


# ---- the public count ------------------------------------------------------------------------------


def test_the_public_page_counts_reports_received_and_closed(client, territory, users):
    url = reverse("projects:neighbourhood", args=[territory.n111.pk])
    assert "收集 0 条，办结 0 条" in client.get(url).content.decode()
    first = _report(territory.n111, text="第一条秘密内容")
    _report(territory.n111, index=1)
    _report(territory.n121)  # another neighbourhood: not counted here
    assert "收集 2 条，办结 0 条" in client.get(url).content.decode()
    report_close(report=first, answer="已处理", actor=users.community)
    page = client.get(url).content.decode()
    assert "收集 2 条，办结 1 条" in page and "第一条秘密内容" not in page


# ---- turning a works-quality report into a supervision finding ----------------------------------------


@pytest.fixture
def building_project(territory, users):
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    type(project).objects.filter(pk=project.pk).update(stage=Stage.CONSTRUCTION)
    project.refresh_from_db()
    return project


def test_staff_turn_a_works_report_into_a_finding_and_resolving_it_closes_the_report(
    territory, users, client, building_project
):
    report = _report(territory.n111, category="works_quality", text="新铺路面开裂", photos=[jpeg_upload()])
    client.force_login(users.community)
    page = client.get(reverse("admin:residents_residentreport_change", args=[report.pk])).content.decode()
    assert "转为项目质量监督问题" in page and building_project.name in page
    response = client.post(
        reverse("admin:residents_residentreport_refer", args=[report.pk, "finding"]),
        {"target": building_project.pk, "answer": "已转施工单位整改"},
    )
    assert response.status_code == 302
    finding = SupervisionFinding.objects.get()
    assert finding.project == building_project and finding.source == FindingSource.RESIDENT_REPORT
    assert finding.resident_report_id == report.pk and "新铺路面开裂" in finding.description and finding.is_open
    assert Photo.objects.filter(finding=finding, kind="finding").count() == 1
    report.refresh_from_db()
    assert report.status == "referred" and report.answer == "已转施工单位整改"
    page = client.get(reverse("admin:residents_residentreport_change", args=[report.pk])).content.decode()
    assert "整改中" in page
    finding_resolve(finding=finding, note="路面已重新铺设", actor=users.street)
    report.refresh_from_db()
    assert report.status == "closed" and "路面已重新铺设" in report.answer
    public = client.get(reverse("projects:neighbourhood", args=[territory.n111.pk])).content.decode()
    assert "收集 1 条，办结 1 条" in public


def test_a_finding_is_refused_for_other_categories_projects_and_stages(territory, users, building_project):
    hygiene = _report(territory.n111, category="hygiene")
    with pytest.raises(ValidationError) as refused:
        report_to_finding(report=hygiene, project=building_project, answer="转", actor=users.community)
    assert "category" in refused.value.message_dict
    works = _report(territory.n111, category="works_quality", index=1)
    elsewhere = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n121])
    type(elsewhere).objects.filter(pk=elsewhere.pk).update(stage=Stage.CONSTRUCTION)
    with pytest.raises(ValidationError) as refused:
        report_to_finding(report=works, project=elsewhere, answer="转", actor=users.street)
    assert "project" in refused.value.message_dict
    type(building_project).objects.filter(pk=building_project.pk).update(stage=Stage.CONSULTATION)
    with pytest.raises(ValidationError, match="阶段"):
        report_to_finding(report=works, project=building_project, answer="转", actor=users.community)
    with pytest.raises(PermissionDenied):
        report_to_finding(report=works, project=building_project, answer="转", actor=users.official)
    assert not SupervisionFinding.objects.exists()
    assert set(ResidentReport.objects.values_list("status", flat=True)) == {"open"}


def test_officials_are_offered_no_referral_and_cannot_send_one(territory, users, client, building_project, city):
    report = _report(territory.n111, category="works_quality")
    for actor in (users.official, city):
        client.force_login(actor)
        page = client.get(reverse("admin:residents_residentreport_change", args=[report.pk])).content.decode()
        assert "转为项目质量监督问题" not in page
        response = client.post(
            reverse("admin:residents_residentreport_refer", args=[report.pk, "finding"]),
            {"target": building_project.pk, "answer": "转"},
        )
        assert response.status_code == 403
    client.force_login(users.community)
    outside = _report(territory.n211, category="works_quality")
    response = client.post(
        reverse("admin:residents_residentreport_refer", args=[outside.pk, "finding"]),
        {"target": building_project.pk, "answer": "转"},
    )
    assert response.status_code == 404
    assert not SupervisionFinding.objects.exists()


def test_a_finding_cannot_claim_a_resident_report_source_by_hand(territory, users, building_project):
    from projects.services import finding_save

    with pytest.raises(ValidationError) as refused:
        finding_save(
            finding=SupervisionFinding(project=building_project, source="resident_report", description="手填"),
            actor=users.community,
        )
    assert "source" in refused.value.message_dict
