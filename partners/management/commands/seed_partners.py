"""`python manage.py seed_partners`: the market force of the demo community (市场赋能), on top of
what seed_spaces and seed_programs laid (run them all with `python manage.py seed_demo`). Safe to
run again.

What it loads:
- 青少宫培训机构, the agency that refitted 绿地香颂公馆's rooms as the 社区青少宫 (it invested
  500,000 yuan in 821 m²): its organiser, its login, an active agreement with the default terms,
  the youth palace's rooms and the partner windows seed_spaces gave it; half-price calligraphy
  and programming classes in those windows; two public-welfare activities a month held with
  attendance in each of the last two months; paid registrations; its revenue reports for those
  months with the contribution due and received; last month's compliance (kept every term).
- 乐学艺术培训中心 in 领地·海纳君庭's 多功能厅 (a window of its own), which held only one
  welfare activity last month: last month's compliance says it missed the minimum.
- One pending application, with a licence PDF in the private storage.
- A spending entry of the community fund, so its balance is more than contributions.

Idempotency, by natural keys, never overwriting what staff may have edited since:
- organisers by name, partners by credit code, users by username, an application by credit
  code (whatever its status: staff may have decided it), categories must exist (seed_programs);
- a partner's agreement, investment, rooms and windows only when it has no agreement/investment
  yet; its login joins the organiser only when either was created (like the officers);
- upcoming activities by (organiser, title) among those not ended, past ones by (organiser,
  title) among those started (so a later run adds no copy);
- the money and compliance history (reports, fund entries, compliance results) only for a
  partner that has none yet, like seed_spaces' visits: a rerun next month leaves it alone.

Every person and enterprise here is invented; credit codes carry a correct GB 32100-2015 check
character but belong to nobody we know of.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import CommandError
from django.utils import timezone

from lixiong.seeding import DEMO_PASSWORD, SeedCommand
from lixiong.timeutil import LOCAL_TZ, local_today
from partners import selectors, services
from partners.credit_code import check_character
from partners.models import (
    Agreement,
    Application,
    FundEntry,
    Investment,
    Partner,
    RevenueReport,
)
from programs import services as program_services
from programs.errors import ActivityError
from programs.models import Activity, Organiser, Registration, ServiceCategory
from spaces import services as space_services
from spaces.errors import BookingError
from spaces.models import Booking, Compound, PartnerWindow, Space

UPCOMING_DAYS = 14


def credit_code(first17: str) -> str:
    return first17 + check_character(first17)


def R(n: int) -> str:  # noqa: N802 - the demo residents of seed_programs
    return f"demo_resident_{n:02d}"


@dataclass
class ClassSpec:
    """An activity of a partner: a class (price > 0, not welfare) or a free welfare activity.
    Its times are tried in order on the weekdays given, and must sit inside a partner window."""

    title: str
    description: str
    room: str
    category: str
    weekdays: tuple[int, ...]
    times: list[tuple[str, str]]
    capacity: int
    price_fen: int = 0
    market_price_fen: int = 0
    audience: str = ""
    min_age: int | None = None
    max_age: int | None = None
    max_party_size: int = 1
    # Upcoming: (username, party, paid). Past: (username, party, attended, paid).
    people: list[tuple] = field(default_factory=list)
    months_ago: int = 0  # 0: upcoming; 1: last month; 2: the month before
    week: int = 1  # past: which week of that month to try first
    walk_ins: int = 0

    @property
    def is_public_welfare(self) -> bool:
        return self.price_fen == 0


@dataclass
class PartnerSpec:
    key: str
    name: str
    first17: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    compound: str
    introduction: str
    login: str
    login_name: str
    rooms: list[str]
    signed_years_ago: int  # signed on 1 March, that many years back
    # Windows this seed gives the partner on a room that has none ((weekdays, opens, closes));
    # the youth palace's come from seed_spaces, found by holder name.
    new_windows: dict[str, list] = field(default_factory=dict)
    investment: tuple | None = None  # (amount_fen, area_m2, description)
    activities: list[ClassSpec] = field(default_factory=list)
    # Declared revenue per month back (1: last month); the contribution is computed.
    revenue_fen: dict[int, int] = field(default_factory=dict)


QSG = "青少宫培训机构"
LEXUE = "乐学艺术培训中心"
CALLIGRAPHY, PROGRAMMING, DANCE = "书法教室", "编程教室", "舞蹈室"
HALL = "多功能厅"

PARTNERS = [
    PartnerSpec(
        "qsg",
        QSG,
        "91440605MA4WQ8L61",
        "周文博",
        "青少宫前台",
        "138-0000-0201",
        "绿地香颂公馆",
        "进驻绿地香颂公馆的少儿培训机构，投入 50 万元把 821 平方米社区用房改造成“社区青少宫”，"
        "在错峰时段开设半价书法、编程和舞蹈课，每月为居民开展免费公益活动。",
        "partner_qsg",
        "青少宫培训机构",
        [DANCE, CALLIGRAPHY, PROGRAMMING],
        1,
        investment=(
            50_000_000,
            Decimal("821"),
            "社区青少宫改造：舞蹈室、书法教室、编程教室及配套设施",
        ),
        activities=[
            # Upcoming half-price classes (price = 50% of the market price exactly).
            ClassSpec(
                "少儿书法·楷书入门",
                "从握笔、坐姿和基本笔画学起，一学期掌握楷书常用字。笔墨纸由机构提供。"
                "普惠价为市场价的一半。",
                CALLIGRAPHY,
                "文化",
                (0, 2, 4, 5),
                [("18:30", "20:00"), ("09:30", "11:30")],
                12,
                price_fen=4000,
                market_price_fen=8000,
                audience="6–12 岁儿童",
                min_age=6,
                max_age=12,
                people=[("ahua", 1, True), (R(1), 1, True), (R(2), 1, False), (R(3), 1, True)],
            ),
            ClassSpec(
                "少儿编程·Scratch 创意编程",
                "用积木式编程做小游戏和动画，培养逻辑思维。教室电脑由机构提供。"
                "普惠价为市场价的一半。",
                PROGRAMMING,
                "青少年",
                (1, 3, 6),
                [("18:30", "20:00"), ("09:30", "11:30")],
                12,
                price_fen=5000,
                market_price_fen=10000,
                audience="8–14 岁儿童",
                min_age=8,
                max_age=14,
                people=[(R(4), 1, True), (R(5), 1, True), ("xiaomei", 1, False)],
            ),
            ClassSpec(
                "公益书法：为长者写春联",
                "青少宫的小学员和书法老师一起为小区长者写春联、写福字，欢迎长者带家人来取。免费。",
                CALLIGRAPHY,
                "文化",
                (5,),
                [("09:00", "11:00"), ("10:00", "12:00")],
                20,
                audience="全体居民，长者优先",
                max_party_size=2,
                people=[("laochen", 2, False), (R(10), 1, False)],
            ),
            # The month before last: two classes with paid registrations, two welfare activities.
            ClassSpec(
                "少儿书法·横竖撇捺",
                "楷书基本笔画练习。",
                CALLIGRAPHY,
                "文化",
                (0, 2, 4),
                [("18:30", "20:00")],
                12,
                price_fen=4000,
                market_price_fen=8000,
                audience="6–12 岁儿童",
                people=[(R(1), 1, 1, True), (R(2), 1, 1, True), (R(3), 1, 0, True)],
                months_ago=2,
                week=1,
            ),
            ClassSpec(
                "少儿编程·让小猫动起来",
                "Scratch 第一课：角色、动作和事件。",
                PROGRAMMING,
                "青少年",
                (1, 3),
                [("18:30", "20:00")],
                12,
                price_fen=5000,
                market_price_fen=10000,
                audience="8–14 岁儿童",
                people=[(R(4), 1, 1, True), (R(5), 1, 1, True)],
                months_ago=2,
                week=2,
            ),
            ClassSpec(
                "公益书法体验：写一个福字",
                "免费书法体验课，老师手把手教孩子和家长写一个福字带回家。",
                CALLIGRAPHY,
                "文化",
                (5,),
                [("09:30", "11:30")],
                20,
                max_party_size=2,
                people=[("ahua", 2, 2, False), (R(6), 2, 2, False), (R(7), 1, 1, False)],
                months_ago=2,
                week=2,
                walk_ins=3,
            ),
            ClassSpec(
                "公益编程启蒙：亲子机器人体验",
                "免费亲子活动：用编程机器人走迷宫，家长和孩子一起完成任务。",
                PROGRAMMING,
                "亲子",
                (6,),
                [("09:30", "11:30")],
                16,
                max_party_size=2,
                people=[(R(8), 2, 2, False), (R(9), 2, 1, False), ("xiaomei", 2, 2, False)],
                months_ago=2,
                week=3,
            ),
            # Last month: the same again.
            ClassSpec(
                "少儿书法·间架结构",
                "楷书的间架结构：上下、左右和包围结构的字怎么写得稳。",
                CALLIGRAPHY,
                "文化",
                (0, 2, 4),
                [("18:30", "20:00")],
                12,
                price_fen=4000,
                market_price_fen=8000,
                audience="6–12 岁儿童",
                people=[(R(1), 1, 1, True), (R(2), 1, 1, True), ("ahua", 1, 1, True)],
                months_ago=1,
                week=1,
            ),
            ClassSpec(
                "少儿编程·迷宫小游戏",
                "用 Scratch 做一个迷宫小游戏：坐标、碰撞和计分。",
                PROGRAMMING,
                "青少年",
                (1, 3),
                [("18:30", "20:00")],
                12,
                price_fen=5000,
                market_price_fen=10000,
                audience="8–14 岁儿童",
                people=[(R(4), 1, 1, True), (R(5), 1, 1, True), (R(6), 1, 1, True)],
                months_ago=1,
                week=2,
            ),
            ClassSpec(
                "公益讲座：孩子的屏幕时间怎么管",
                "编程老师和家长聊聊：孩子玩手机、学编程，怎样定规矩、不吵架。免费。",
                PROGRAMMING,
                "亲子",
                (6,),
                [("09:30", "11:00")],
                20,
                audience="家长",
                people=[("xiaomei", 1, 1, False), (R(10), 1, 1, False), (R(11), 1, 0, False)],
                months_ago=1,
                week=2,
                walk_ins=2,
            ),
            ClassSpec(
                "公益舞蹈：长者健身操",
                "舞蹈老师带长者跳一套简单的健身操，活动关节、锻炼平衡。免费。",
                DANCE,
                "康养保健",
                (5, 6),
                [("09:00", "10:30")],
                25,
                audience="60 岁以上长者",
                people=[("laochen", 1, 1, False), (R(12), 1, 1, False)],
                months_ago=1,
                week=3,
                walk_ins=8,
            ),
        ],
        revenue_fen={2: 1_840_000, 1: 2_163_510},
    ),
    PartnerSpec(
        "lexue",
        LEXUE,
        "91440605MA53B7HJ2",
        "林晓岚",
        "乐学前台",
        "138-0000-0202",
        "领地·海纳君庭",
        "少儿美术和书画培训机构，在领地·海纳君庭多功能厅的错峰时段开设半价美术课。",
        "partner_second",
        "乐学艺术培训中心",
        [HALL],
        0,
        new_windows={HALL: [((2,), "19:00", "21:00"), ((5,), "14:00", "17:00")]},
        activities=[
            ClassSpec(
                "少儿美术·创意素描",
                "线条、明暗和构图入门，每节课完成一幅小作品。画材由机构提供。"
                "普惠价为市场价的一半。",
                HALL,
                "文化",
                (2, 5),
                [("19:00", "20:30"), ("14:30", "16:30")],
                30,
                price_fen=4500,
                market_price_fen=9000,
                audience="6–12 岁儿童",
                min_age=6,
                max_age=12,
                people=[(R(11), 1, True), (R(12), 1, False)],
            ),
            ClassSpec(
                "少儿美术·水彩风景",
                "水彩的调色和晕染，画一幅小区的风景。",
                HALL,
                "文化",
                (5,),
                [("14:30", "16:30")],
                30,
                price_fen=4500,
                market_price_fen=9000,
                people=[(R(11), 1, 1, True), (R(12), 1, 1, True)],
                months_ago=1,
                week=1,
            ),
            # Only one welfare activity last month: the minimum is two.
            ClassSpec(
                "公益绘画：长者水彩体验",
                "免费活动：老师陪长者画一幅水彩花卉。",
                HALL,
                "养老",
                (5,),
                [("14:30", "16:30")],
                30,
                audience="60 岁以上长者",
                people=[("laochen", 1, 1, False)],
                months_ago=1,
                week=2,
                walk_ins=5,
            ),
        ],
        revenue_fen={1: 360_000},
    ),
]

APPLICANT = "partner_applicant"
APPLICATION = {
    "company_name": "启航少儿体育培训有限公司",
    "credit_code": credit_code("91440605MA55K3R2X"),
    "legal_representative": "陈志远",
    "contact_name": "陈志远",
    "contact_phone": "138-0000-0203",
    "compound": "碧桂园华府",
    "business_scope": "体育运动项目经营（高危险性体育项目除外）；青少年体能培训；体育赛事组织。",
    "social_responsibility": "连续三年参加镇“全民健身日”义教；无行政处罚记录。",
    "welfare_commitment": "每月在小区开展两场免费亲子体能游戏和长者平衡训练。",
    "welfare_per_month": 2,
    "proposed_classes": "少儿体能训练 每节 100 元\n少儿跳绳 每节 80 元",
    "wanted_rooms": "碧桂园华府妇儿成长基地，周六下午；周三晚上",
}

# A spending of the fund (approved by the community's party committee), last month.
SPENDING = {
    "purpose": "长者助餐补贴",
    "approved_by": "社区党委",
    "amount_fen": -60_000,
}


def licence_pdf(code: str) -> bytes:
    """A minimal valid one-page PDF (PDF 1.4, with its cross-reference table), drawn in code so
    the demo ships no binary. The text is ASCII: the standard fonts have no Chinese."""
    text = f"Business licence (demo) - unified social credit code {code}"
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def month_start(today: date, months_ago: int) -> date:
    year, month = today.year, today.month - months_ago
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def contribution(revenue_fen: int, share: Decimal) -> int:
    """The agreement's share of the revenue, to the fen, half up (Decimal, never float)."""
    return int((Decimal(revenue_fen) * share).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


class Command(SeedCommand):
    help = (
        "Load the demo partners (市场赋能): two partner agencies with agreements, classes, "
        "welfare activities, revenue reports, the community fund and compliance; one pending "
        "application. Needs seed_spaces and seed_programs first."
    )

    def prepare(self) -> None:
        self.skips = []  # candidate times tried and found taken or closed: normal, listed
        self.compliance_lines = []
        self.logins = {}

    def seed(self) -> None:
        self.now = timezone.now()
        self.today = local_today()
        self.find_ground()
        self.partners = {}
        for spec in PARTNERS:
            self.partners[spec.key] = self.seed_partner(spec)
        self.seed_application()
        self.seed_spending()

    def find_ground(self) -> None:
        names = {spec.compound for spec in PARTNERS} | {APPLICATION["compound"]}
        self.compounds = {c.name: c for c in Compound.objects.filter(name__in=names)}
        self.staff = get_user_model().objects.filter(username="staff").first()
        wanted = {u for spec in PARTNERS for a in spec.activities for u, *_ in a.people}
        users = get_user_model().objects.filter(username__in=wanted)
        self.people = {user.username: user for user in users}
        categories = {a.category for spec in PARTNERS for a in spec.activities}
        self.categories = {c.name: c for c in ServiceCategory.objects.filter(name__in=categories)}
        self.spaces = {}
        for spec in PARTNERS:
            for room in spec.rooms:
                space = Space.objects.filter(compound__name=spec.compound, name=room).first()
                if space is not None:
                    self.spaces[(spec.key, room)] = space
        missing = (
            (names - set(self.compounds))
            | (wanted - set(self.people))
            | (categories - set(self.categories))
            | {
                f"{s.compound} {r}"
                for s in PARTNERS
                for r in s.rooms
                if (s.key, r) not in self.spaces
            }
        )
        if self.staff is None:
            missing.add("staff")
        if missing:
            raise CommandError(
                f"missing {', '.join(sorted(missing))}: run `manage.py seed_spaces` and "
                "`manage.py seed_programs` first (or `manage.py seed_demo`, which runs them all)."
            )

    # -- people -------------------------------------------------------------------------------

    # -- a partner ------------------------------------------------------------------------------

    def seed_partner(self, spec: PartnerSpec) -> Partner:
        organiser, organiser_created = Organiser.objects.get_or_create(
            name=spec.name, defaults={"kind": Organiser.Kind.PARTNER}
        )
        partner, created = Partner.objects.get_or_create(
            credit_code=credit_code(spec.first17),
            defaults={
                "organiser": organiser,
                "name": spec.name,
                "legal_representative": spec.legal_representative,
                "contact_name": spec.contact_name,
                "contact_phone": spec.contact_phone,
                "compound": self.compounds[spec.compound],
                "introduction": spec.introduction,
            },
        )
        self.count("partners", created)
        login, login_created = self.seed_demo_person(spec.login, spec.login_name)
        if organiser_created or login_created:
            # Only then: a login staff have since removed from the organiser stays removed.
            partner.organiser.members.add(login)
        self.logins[spec.key] = login

        agreement = partner.agreements.order_by("-valid_from").first()
        self.count("agreements", agreement is None)
        if agreement is None:
            agreement = self.seed_agreement(spec, partner)
        if spec.investment:
            invested = partner.investments.exists()
            if not invested:
                amount, area, description = spec.investment
                Investment.objects.create(
                    partner=partner,
                    space=None,  # the 821 m² span several rooms of the compound
                    amount_fen=amount,
                    area_m2=area,
                    description=description,
                    made_on=date(self.today.year - spec.signed_years_ago - 1, 9, 1),
                )
            self.count("investments", not invested)

        for activity_spec in spec.activities:
            if activity_spec.months_ago:
                self.seed_past(spec, partner, login, agreement, activity_spec)
            else:
                self.seed_upcoming(spec, partner, login, agreement, activity_spec)
        self.seed_history(spec, partner, agreement)
        return partner

    def seed_agreement(self, spec: PartnerSpec, partner: Partner) -> Agreement:
        signed_on = date(self.today.year - spec.signed_years_ago, 3, 1)
        agreement = Agreement.objects.create(
            partner=partner,
            signed_on=signed_on,
            valid_from=signed_on,
            # Through next year: still active whenever the demo is run in the coming year.
            valid_to=date(self.today.year + 1, 12, 31),
            status=Agreement.Status.ACTIVE,
        )
        rooms = [self.spaces[(spec.key, room)] for room in spec.rooms]
        agreement.rooms.set(rooms)
        for room, ranges in spec.new_windows.items():
            space = self.spaces[(spec.key, room)]
            if not space.partner_windows.exists():
                windows = [
                    PartnerWindow(space=space, weekday=d, opens=o, closes=c, holder=spec.name)
                    for days, opens, closes in ranges
                    for d in days
                    for o, c in [(time.fromisoformat(opens), time.fromisoformat(closes))]
                ]
                PartnerWindow.objects.bulk_create(windows)
                self.tally("partner windows added", len(windows))
        agreement.windows.set(PartnerWindow.objects.filter(space__in=rooms, holder=spec.name))
        return agreement

    # -- its activities -----------------------------------------------------------------------

    def activity_fields(self, spec: ClassSpec) -> dict:
        return {
            "title": spec.title,
            "category": self.categories[spec.category],
            "description": spec.description,
            "capacity": spec.capacity,
            "price_fen": spec.price_fen,
            "market_price_fen": spec.market_price_fen,
            "is_public_welfare": spec.is_public_welfare,
            "audience": spec.audience,
            "min_age": spec.min_age,
            "max_age": spec.max_age,
            "max_party_size": spec.max_party_size,
        }

    def in_window(self, agreement: Agreement, space: Space, start: datetime, end: datetime):
        local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
        for window in agreement.windows.filter(space=space, weekday=local_start.weekday()):
            opens, closes = window.bounds_on(local_start.date())
            if opens <= local_start and local_end <= closes:
                return True
        return False

    def seed_upcoming(self, owner: PartnerSpec, partner, login, agreement, spec: ClassSpec):
        organiser = partner.organiser
        held = Activity.objects.filter(organiser=organiser, title=spec.title, end__gt=self.now)
        if held.exists():
            self.count("upcoming partner activities", False)
            return
        space = self.spaces[(owner.key, spec.room)]
        # Through programs' own service, which holds the room through the spaces booking
        # service and runs the agreement's checks (price cap, rooms, windows, agreement
        # active: programs.rules), as every partner class is posted.
        activity = None
        for start, end in self.candidates(spec, upcoming=True):
            if not self.in_window(agreement, space, start, end):
                continue
            try:
                activity = program_services.activity_create(
                    organiser=organiser,
                    by=login,
                    space=space,
                    start=start,
                    end=end,
                    **self.activity_fields(spec),
                )
                break
            except BookingError as exc:
                self.skips.append(
                    f"{spec.title} {start.astimezone(LOCAL_TZ):%m-%d %H:%M}: {exc.code}"
                )
            except ActivityError as exc:
                self.notes.append(f"activity {spec.title} refused: {exc.code}")
                return
        if activity is None:
            self.notes.append(f"no open, free time in a partner window for {spec.title}")
            return
        self.count("upcoming partner activities", True)
        for username, party, paid in spec.people:
            resident = self.people[username]
            try:
                registration = program_services.registration_create(
                    activity=activity,
                    resident=resident,
                    party_size=party,
                    language=settings.LANGUAGE_CODE,
                )
            except ActivityError as exc:
                self.notes.append(f"{username} could not sign up for {activity}: {exc.code}")
                continue
            self.tally("registrations created", 1)
            if paid:
                # There is no programs service to record a payment in this tree yet
                # (registration_mark_paid); written directly until there is.
                Registration.objects.filter(pk=registration.pk).update(paid_at=self.now)
                self.tally("registrations marked paid", 1)

    def seed_past(self, owner: PartnerSpec, partner, login, agreement, spec: ClassSpec):
        organiser = partner.organiser
        done = Activity.objects.filter(organiser=organiser, title=spec.title, start__lt=self.now)
        if done.exists():
            self.count("past partner activities", False)
            return
        space = self.spaces[(owner.key, spec.room)]
        found = None
        for start, end in self.candidates(spec, upcoming=False):
            if not self.in_window(agreement, space, start, end):
                continue
            try:
                # As if planned a week before, like seed_programs' past activities.
                space_services.booking_rules_check(
                    space=space,
                    start=start,
                    end=end,
                    attendees=spec.capacity,
                    for_activity=True,
                    now=start - timedelta(days=7),
                )
                if Booking.objects.active().overlapping(start, end, space=space).exists():
                    raise BookingError("slot_taken", field="start")
            except BookingError as exc:
                self.skips.append(
                    f"{spec.title} {start.astimezone(LOCAL_TZ):%m-%d %H:%M}: {exc.code}"
                )
                continue
            found = start, end
            break
        if found is None:
            self.notes.append(f"no open, free time in a partner window for past {spec.title}")
            return
        start, end = found
        # The services refuse the past: the room's hold and the activity are written directly.
        booking = Booking.objects.create(
            space=space,
            booked_by=login,
            purpose=spec.title,
            attendees=spec.capacity,
            start=start,
            end=end,
            status=Booking.Status.APPROVED,
            decided_by=login,
            decided_at=start - timedelta(days=7),
            language=settings.LANGUAGE_CODE,
            for_activity=True,
        )
        activity = Activity.objects.create(
            organiser=organiser,
            space=space,
            booking=booking,
            start=start,
            end=end,
            status=Activity.Status.PUBLISHED,
            walk_in_attendees=spec.walk_ins,
            created_by=login,
            **self.activity_fields(spec),
        )
        registrations = Registration.objects.bulk_create(
            Registration(
                activity=activity,
                resident=self.people[username],
                party_size=party,
                status=Registration.Status.CONFIRMED,
                position=position,
                # Paid before the class (no registrations_mark_paid service in this tree).
                paid_at=start - timedelta(days=2) if paid else None,
                language=settings.LANGUAGE_CODE,
            )
            for position, (username, party, _attended, paid) in enumerate(spec.people, start=1)
        )
        self.tally("registrations created", len(registrations))
        # The roster through programs' attendance service, then closed like an organiser does.
        for registration, (_u, _p, attended, _paid) in zip(registrations, spec.people, strict=True):
            program_services.attendance_mark(registration=registration, by=login, count=attended)
        program_services.activity_close(activity=activity, by=login)
        self.count("past partner activities", True)

    def candidates(self, spec: ClassSpec, *, upcoming: bool):
        if upcoming:
            days = [self.today + timedelta(days=n) for n in range(1, UPCOMING_DAYS + 1)]
        else:
            first = month_start(self.today, spec.months_ago)
            last = next_month(first)
            days = [first + timedelta(days=n) for n in range((last - first).days)]
            days = [d for d in days if d.weekday() in spec.weekdays]
            # From the wanted week on, then the weeks before it.
            skip = (spec.week - 1) * len(spec.weekdays)
            days = days[skip:] + days[:skip]
        for day in days:
            if day.weekday() not in spec.weekdays:
                continue
            for opens, closes in spec.times:
                start = datetime.combine(day, time.fromisoformat(opens), tzinfo=LOCAL_TZ)
                end = datetime.combine(day, time.fromisoformat(closes), tzinfo=LOCAL_TZ)
                if (upcoming and start > self.now) or (not upcoming and end <= self.now):
                    yield start, end

    # -- reports, the fund, compliance --------------------------------------------------------

    def seed_history(self, spec: PartnerSpec, partner: Partner, agreement: Agreement) -> None:
        """Revenue reports with their contribution due and received, and last month's
        compliance, through the same services as the partner's portal, staff and the monthly
        job. Seeded once, for a partner that has none."""
        if partner.revenue_reports.exists() or agreement.compliance.exists():
            self.count("partners with a revenue history", False)
            return
        for months_ago, revenue in sorted(spec.revenue_fen.items(), reverse=True):
            month = month_start(self.today, months_ago)
            implied = selectors.implied_revenue_fen(partner, month)
            report = services.revenue_report_submit(
                partner=partner,
                month=month,
                revenue_fen=max(revenue, implied),
                by=self.logins[spec.key],
            )
            # Reported on the 1st of the next month (not later than now), paid the same day.
            reported = min(datetime.combine(next_month(month), time(10), tzinfo=LOCAL_TZ), self.now)
            RevenueReport.objects.filter(pk=report.pk).update(submitted_at=reported)
            # The demo's history: its due is dated the day it was reported, not today.
            FundEntry.objects.filter(report=report).update(
                entry_date=reported.astimezone(LOCAL_TZ).date()
            )
            services.fund_contribution_receive(
                partner=partner,
                amount_fen=report.contribution_fen,
                entry_date=reported.astimezone(LOCAL_TZ).date(),
                by=self.staff,
                note=f"{month:%Y-%m}",
            )
            self.count("revenue reports", True)
            self.tally("fund entries created", 2)
        result, _created = services.compliance_result_store(
            agreement=agreement, month=month_start(self.today, 1)
        )
        self.count("compliance results", True)
        self.compliance_lines.append(
            f"{partner.name} {result.month:%Y-%m}: "
            f"{'compliant' if result.is_compliant else 'missed a term'} "
            f"(welfare {result.welfare_held}/{result.welfare_required})"
        )
        self.count("partners with a revenue history", True)

    # -- the application and the fund's spending ----------------------------------------------

    def seed_application(self) -> None:
        applicant, _ = self.seed_demo_person(APPLICANT, APPLICATION["contact_name"])
        fields = dict(APPLICATION)
        fields["compound"] = self.compounds[fields["compound"]]
        if Application.objects.filter(credit_code=fields["credit_code"]).exists():
            self.count("applications", False)
            return
        application = Application(applicant=applicant, **fields)
        # Saved through the field, so the file lands in the private storage.
        application.licence.save(
            "licence-demo.pdf", ContentFile(licence_pdf(fields["credit_code"])), save=False
        )
        application.save()
        self.count("applications", True)

    def seed_spending(self) -> None:
        if FundEntry.objects.filter(
            kind=FundEntry.Kind.SPENDING, purpose=SPENDING["purpose"]
        ).exists():
            self.count("fund spending entries", False)
            return
        services.fund_spend(
            amount_fen=abs(SPENDING["amount_fen"]),  # the service records spending as negative
            purpose=SPENDING["purpose"],
            approved_by=SPENDING["approved_by"],
            entry_date=month_start(self.today, 1) + timedelta(days=14),
            by=self.staff,
        )
        self.count("fund spending entries", True)

    def tally(self, key: str, n: int) -> None:
        self.report[key] = self.report.get(key, 0) + n

    # -- output -------------------------------------------------------------------------------

    def print_summary(self) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS("Demo partners (市场赋能) are ready."))
        for key, value in self.report.items():
            if isinstance(value, tuple):
                total, new = value
                out.write(f"  {key}: {total} ({new} new)")
            else:
                out.write(f"  {key}: {value}")
        for line in self.compliance_lines:
            out.write(f"  compliance {line}")
        balance = selectors.fund_balance_fen()
        out.write(f"  community fund balance: ¥{Decimal(balance) / 100:.2f}")
        if self.skips:
            out.write(f"  candidate times skipped (room taken or closed): {len(self.skips)}")
            for line in self.skips:
                out.write(f"    {line}")
        for note in self.notes:
            out.write(self.style.WARNING(f"  note: {note}"))
        out.write("Partner logins (partner portal at /partner/):")
        for spec in PARTNERS:
            out.write(f"  {spec.login} / {DEMO_PASSWORD} ({spec.name} · {spec.compound})")
        out.write(f"  {APPLICANT} / {DEMO_PASSWORD} ({APPLICATION['company_name']}, pending)")
