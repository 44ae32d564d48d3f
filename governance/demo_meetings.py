"""The demo's joint meetings, stars and disclosures (issue 13 items 6-8), called from
governance.demo.seed for 桂湖社区 (the demo community login's) and its first neighbourhood. Written
through the services, as staff would."""

import datetime

from django.utils import timezone


def seed_joint_meetings(ctx, district, community, neighbourhood, admin):
    """A district property joint meeting of departments and utilities (one resolution overdue, so
    the follow-up list has something to show), and a four-party meeting in the neighbourhood."""
    from .bodies import Body
    from .meetings import JointMeeting, Resolution
    from .services_meetings import joint_meeting_save, resolution_move

    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    quarterly = joint_meeting_save(
        meeting=JointMeeting(
            district=district,
            kind="property_joint",
            held_on=today - 45 * day,
            title=f"{district.name}第三季度物业管理联席会议",
            participants="区住建局\n区城管局\n区市场监管局\n供水公司\n供电公司\n燃气公司\n各街道办事处",
            topics="老旧小区改造后物业接管；管线迁改费用分担；失管小区清零进度。",
        ),
        resolutions=[
            Resolution(text="供电公司完成改造小区配电箱移交", responsible_unit="供电公司", due_on=today - 5 * day, order=1),
            Resolution(text="各街道报送失管小区清零计划", responsible_unit="各街道办事处", due_on=today + 20 * day, order=2),
        ],
        actor=admin,
    )
    first, _second = quarterly.resolutions.order_by("order")
    resolution_move(resolution=first, to="in_progress", progress="已完成两个小区的移交", actor=admin)
    meeting = joint_meeting_save(
        meeting=JointMeeting(
            neighbourhood=neighbourhood,
            kind="four_party",
            held_on=today - 12 * day,
            title=f"{neighbourhood.name}四方联席会议",
            participants="社区党委\n小区党支部\n业主委员会\n物业服务企业\n居民代表",
            topics="改造期间停车安排；电动自行车充电桩选址。",
        ),
        resolutions=[
            Resolution(text="划定施工期间临时停车区", responsible_unit="物业服务企业", due_on=today - 2 * day, order=1),
            Resolution(text="公示充电桩选址方案", responsible_unit="业主委员会", due_on=today + 10 * day, order=2),
        ],
        bodies=Body.objects.filter(neighbourhood=neighbourhood),
        actor=admin,
    )
    parking, _sites = meeting.resolutions.order_by("order")
    resolution_move(resolution=parking, to="done", done_on=today - 3 * day, progress="已划定并公示", actor=admin)
    ctx.write("联席会议 2 次、决议 4 条（其中 1 条逾期）（joint meetings, resolutions, one overdue）")


def seed_stars(ctx, neighbourhood, admin):
    """The neighbourhood's stars: last year four of the five, this year three, and this year's
    hygiene star withdrawn after a failed review (so its public page shows both)."""
    from .services_stars import star_rating_save, star_withdraw
    from .stars import StarRating, five_star_scheme

    today = timezone.localdate()
    stars = {d.code: d for d in five_star_scheme().dimensions.all()}
    evidence = {
        "safety": "消防通道全年畅通，电动自行车集中充电，监控覆盖出入口。",
        "harmony": "调解邻里纠纷 6 起，院坝会每月一次。",
        "integrity": "公共收益按季度公示，维修资金使用经业主表决。",
        "hygiene": "垃圾分类桶站 4 处，楼道每周清扫。",
        "rule_of_law": "管理规约经业主大会通过并张贴。",
    }
    for year, codes, rated_on in (
        (today.year - 1, ("safety", "harmony", "integrity", "hygiene"), today.replace(month=1, day=1) - datetime.timedelta(days=20)),
        (today.year, ("safety", "harmony", "hygiene"), today - datetime.timedelta(days=30)),
    ):
        for code in codes:
            rating = star_rating_save(
                rating=StarRating(
                    neighbourhood=neighbourhood, dimension=stars[code], year=year, evidence=evidence[code],
                    rater="街道星级评定小组", rated_on=rated_on,
                ),
                actor=admin,
            )
    star_withdraw(rating=rating, reason="季度复核发现楼道堆放杂物、垃圾桶满溢未及时清运。", actor=admin)
    ctx.write("星级评定 7 条（本年度 1 颗星复核未通过已摘除）（star ratings, one withdrawn）")


def _demo_pdf(lines):
    """A small valid one-page PDF with `lines` of ASCII text (the demo's attachment)."""
    text = " ".join(f"({line}) Tj T*" for line in lines)
    stream = f"BT /F1 12 Tf 14 TL 72 720 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def seed_disclosures(ctx, neighbourhood, admin):
    """Three entries (三公开) of the neighbourhood, one of each category; the property services one
    with its accounts as a PDF attachment."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .disclosure import Disclosure, DisclosureAttachment
    from .services_disclosure import disclosure_save

    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    accounts = SimpleUploadedFile(
        "accounts.pdf", _demo_pdf(["Property service accounts, Q3", "Income 86,400.00", "Spending 81,250.00"])
    )
    for category, title, body, days, files in (
        ("party_affairs", "小区党支部主题党日活动公开", "本月主题党日：党员认领楼道，参与改造质量监督。", 20, []),
        ("committee_affairs", "业主委员会关于充电桩选址的决定", "经四方联席会议讨论，充电桩拟设于3栋北侧，公示期7天。", 8, []),
        ("property_services", "第三季度物业服务收支公开", "保洁、绿化、秩序维护均按合同执行；收支明细见附件。", 3, [accounts]),
    ):
        disclosure_save(
            disclosure=Disclosure(
                neighbourhood=neighbourhood, category=category, title=title, body=body, published_on=today - days * day
            ),
            attachments=[DisclosureAttachment(file=f, label="收支明细") for f in files],
            actor=admin,
        )
    ctx.write("三公开 3 条（含 1 个附件）（disclosures, one attachment）")
