"""Demo data: residents' reports (随时反馈) in the first neighbourhood of 桂湖社区 (the demo
community login's), through the services: one answered (with a photo), one still open, so the
household's page, the community's queue and the neighbourhood's public count ("收集 2 条，办结 0 条"
until staff close one) show them. Called from residents.demo.seed."""

import datetime
import io

from django.utils import timezone
from PIL import Image, ImageDraw

from .models import Household
from .services_reports import report_answer, report_submit


def _demo_photo():
    """A small synthetic JPEG (a cracked wall), made here: no file shipped, nothing personal."""
    image = Image.new("RGB", (640, 480), (214, 206, 190))
    draw = ImageDraw.Draw(image)
    draw.line([(320, 20), (300, 160), (340, 260), (310, 460)], fill=(70, 60, 50), width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    out.seek(0)
    out.name = "demo-wall.jpg"
    return out


def seed_reports(ctx):
    communities = ctx.store.get("communities") or []
    if not communities:
        return
    community = communities[0]
    first = next((n for n in ctx.store["neighbourhoods"] if n.community_id == community.pk), None)
    if first is None:
        return
    households = list(Household.objects.filter(neighbourhood=first).order_by("pk")[:2])
    if len(households) < 2:
        return
    staff = ctx.store["users"]["community"]
    now = timezone.now()
    answered = report_submit(
        household=households[0],
        category="works_quality",
        text="3栋西侧外墙新刷的涂料起皮开裂，下雨后墙面渗水，请施工单位来看看。",
        photos=[_demo_photo()],
        now=now - datetime.timedelta(days=3),
    )
    report_answer(
        report=answered,
        answer="已通知施工单位，本周五前到现场查看并重新处理外墙，处理完后请您再看看效果。",
        actor=staff,
    )
    report_submit(
        household=households[1],
        category="hygiene",
        text="小区北门垃圾桶满了两天没人清运，气味很大。",
        now=now - datetime.timedelta(hours=5),
    )
    ctx.write(f"居民反馈 2 条（{first.name}：1 条已答复，1 条待处理）（residents' reports）")
