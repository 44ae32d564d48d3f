"""The public page of a neighbourhood: stage, timeline, notices with their periods, photos and the
objection form; no personal data; a fixed number of queries."""
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from projects.choices import Stage
from projects.models import Notice, SupervisionFinding
from projects.services import finding_save, photo_upload, project_transition

from .factories import ProjectFactory
from .helpers import dated_notice, scope_line


def _jpeg():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, "JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def page_project(territory, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = ProjectFactory(
        code="GZ-2025-A07",
        name="新华里东风里综合改造",
        lead_street=territory.s1,
        neighbourhoods=[territory.n111, territory.n121],
    )
    project_transition(
        project=project, to=Stage.CONSULTATION, actor=users.street, note="内部备注：张科长批准"
    )
    dated_notice(project, "改造方案公示", "第一行\n第二行", -2, 5).save()
    dated_notice(project, "需求清单结果公示", "旧", -30, -23).save()
    dated_notice(project, "尚未开始的公示", "未来", 3, 9, kind="result").save()
    scope_line(project, territory.n111, "elevator_retrofit", "2", "600000")
    scope_line(project, territory.n121, "parcel_lockers", "1", "10000")
    photo_upload(project=project, kind="before", upload=_jpeg(), caption="1栋外立面", actor=users.street)
    finding = finding_save(
        finding=SupervisionFinding(project=project, source="staff", description="内部问题"),
        actor=users.street,
    )
    photo_upload(
        project=project,
        kind="finding",
        finding=finding,
        upload=_jpeg(),
        caption="问题照片说明",
        actor=users.street,
    )
    ProjectFactory(
        code="GZ-X",
        name="已取消的项目",
        lead_street=territory.s1,
        neighbourhoods=[territory.n111],
        stage=Stage.CANCELLED,
    )
    return project


@pytest.mark.django_db
def test_the_page_shows_stage_timeline_notices_works_and_photos(client, territory, page_project):
    page = client.get(reverse("projects:neighbourhood", args=[territory.n111.pk])).content.decode()
    assert "新华里东风里综合改造" in page and "玉溪街道" in page and "新华社区" in page
    assert 'aria-current="step">协商（三下三上）<' in page
    assert "进入“协商（三下三上）”" in page
    assert "改造方案公示" in page and "公示期：" in page and "第一行<br>第二行" in page
    assert "需求清单结果公示" in page  # past ones, in the folded list
    assert "尚未开始的公示" not in page
    assert "既有住宅加装电梯" in page and "智能快件箱" not in page  # only this neighbourhood's works
    assert "1栋外立面" in page and "问题照片说明" not in page  # finding photos stay internal
    assert "已取消的项目" not in page
    assert 'method="post"' in page and 'name="csrfmiddlewaretoken"' in page and 'name="code"' in page
    # Works without JavaScript: the one script is our own file adding live character counters,
    # never an inline one.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/js/char-counter.js" defer>']
    assert reverse("funding:public_income", args=[territory.n111.pk]) in page


@pytest.mark.django_db
def test_the_page_shows_no_personal_data(client, territory, page_project):
    page = client.get(reverse("projects:neighbourhood", args=[territory.n111.pk])).content.decode()
    for household in territory.n111.households.all():
        assert household.owner_name not in page
    assert "13800000000" not in page
    assert "张科长" not in page and "street1" not in page  # transition notes and staff stay internal


# 6 for the projects, their stages, transitions, notices, works and photos; 1 for each section
# the installed apps register (surveys: the votes; funding: the public income; projects from
# governance's records: the stars and the grid contact card; 1 for the disclosures, and 1 more for
# their attachments when there are any; projects: the residents' reports counted).
PAGE_QUERIES = 12


@pytest.mark.django_db
def test_the_page_runs_a_fixed_number_of_queries(
    client, territory, users, page_project, django_assert_num_queries
):
    url = reverse("projects:neighbourhood", args=[territory.n111.pk])
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(url)
    for i in range(3):  # more projects, notices and transitions: still the same number
        extra = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
        project_transition(project=extra, to=Stage.CONSULTATION, actor=users.street)
        Notice.objects.create(
            project=extra,
            kind="plan",
            title=f"公示{i}",
            body="…",
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
        )
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(url)


@pytest.mark.django_db
def test_unknown_neighbourhood_is_404_and_an_empty_one_says_so(client, territory):
    assert client.get(reverse("projects:neighbourhood", args=[999999])).status_code == 404
    page = client.get(reverse("projects:neighbourhood", args=[territory.n211.pk])).content.decode()
    assert "本小区暂无改造项目。" in page


@pytest.mark.django_db
def test_a_suspended_project_shows_where_it_stopped(client, territory, users):
    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=[territory.n111])
    project_transition(project=project, to=Stage.SUSPENDED, actor=users.street, note="资金")
    page = client.get(reverse("projects:neighbourhood", args=[territory.n111.pk])).content.decode()
    assert "当前阶段：<strong" in page and ">暂停<" in page
    assert 'aria-current="step">储备<' in page
