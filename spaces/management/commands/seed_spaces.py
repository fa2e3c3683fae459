"""`python manage.py seed_spaces`: the ground of the demo community of 沥雄社区 (compounds,
rooms, users, bookings, visits), safe to run again and again. `python manage.py seed_demo` runs
it first, then the other apps' seeds (seed_programs).

Natural keys make it idempotent: Compound.name, (compound, name) for a Space, username for a
user. Existing compounds, spaces, users and profiles are left as they are (get_or_create):
`make run` seeds on every start, and must never undo what staff or residents changed.
Opening hours and partner windows are seeded only for a space that has none; the closure is
keyed by (space, reason). Upcoming bookings go through spaces.services, into the first free
slot space_slots() offers from tomorrow on, and are skipped when that resident already holds
an active upcoming booking of that room. Past bookings (for usage reports) and walk-in visits
are written directly, because the service refuses the past, and only once.

Every person here is invented.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from lixiong.seeding import DEMO_PASSWORD, SeedCommand
from lixiong.timeutil import LOCAL_TZ, local_today
from residents.models import Profile
from spaces import selectors, services
from spaces.errors import BookingError
from spaces.models import Booking, Closure, Compound, OpeningHours, PartnerWindow, Space, Visit

STAFF_PASSWORD = "lixiong-staff"

WEEKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)
DAILY = WEEKDAYS + WEEKEND
PARTNER = "青少宫培训机构"

# (name, address, brand) in display order; brands are the 一小区一特色 of DOMAIN.md.
COMPOUNDS = [
    (
        "国华新都",
        "佛山市南海区大沥镇沥雄社区国华新都小区",
        "52 栋楼、1250 平方米社区用房打造“一站式”服务阵地：工会“职工家”技能培训、"
        "妇联“暖心驿站”、团委“青年夜校”在这里同堂服务。",
    ),
    (
        "绿地香颂公馆",
        "佛山市南海区大沥镇沥雄社区绿地香颂公馆",
        "社区青少宫：进驻培训机构投入 50 万元改造 821 平方米，设舞蹈室、书法教室、编程教室，"
        "机构课程与居民免费使用错峰进行；另设妇儿成长基地。",
    ),
    (
        "碧桂园华府",
        "佛山市南海区大沥镇沥雄社区碧桂园华府",
        "与妇联共建妇儿成长基地，“妇女微家”组织姐妹议事和亲子手工坊活动。",
    ),
    (
        "万科金域华庭",
        "佛山市南海区大沥镇沥雄社区万科金域华庭",
        "街坊会居民自治：图书室和活动室由值日生轮岗管理，街坊会调解邻里纠纷。",
    ),
    (
        "时代招商天禧",
        "佛山市南海区大沥镇沥雄社区时代招商天禧",
        "双百社工服务：心理健康服务与便民服务。",
    ),
    (
        "领地·海纳君庭",
        "佛山市南海区大沥镇沥雄社区领地·海纳君庭",
        "为长者办生日会；规划建设全龄康养基地。",
    ),
]


def hours(*ranges):
    """[(weekdays, "HH:MM", "HH:MM"), ...] -> [(weekday, time, time), ...]"""
    return [
        (day, time.fromisoformat(opens), time.fromisoformat(closes))
        for days, opens, closes in ranges
        for day in days
    ]


# Typical patterns: a lunch break on weekdays, shorter days at the weekend.
CLASSROOM_HOURS = hours(
    (WEEKDAYS, "09:00", "12:00"),
    (WEEKDAYS, "14:00", "17:00"),
    (WEEKDAYS, "19:00", "21:00"),
    (WEEKEND, "09:00", "12:00"),
    (WEEKEND, "14:00", "17:00"),
)
ACTIVITY_HOURS = hours(
    (WEEKDAYS, "08:30", "12:00"),
    (WEEKDAYS, "14:00", "21:30"),
    (WEEKEND, "09:00", "12:00"),
    (WEEKEND, "14:00", "18:00"),
)
YOUTH_PALACE_HOURS = hours(
    (WEEKDAYS, "09:00", "12:00"),
    (WEEKDAYS, "14:00", "21:00"),
    (WEEKEND, "08:00", "12:00"),
    (WEEKEND, "14:00", "21:00"),
)


@dataclass
class SpaceSpec:
    compound: str
    name: str
    kind: str
    capacity: int
    area_m2: str
    description: str
    equipment: list[str]
    opening: list
    access_mode: str = Space.AccessMode.BOOKABLE
    slot_minutes: int = 60
    min_minutes: int = 60
    max_minutes: int = 180
    bookable_days_ahead: int = 14
    min_notice_minutes: int = 120
    requires_approval: bool = True
    partner_windows: list = field(default_factory=list)  # (weekdays, opens, closes)


K = Space.Kind
WALK_IN = Space.AccessMode.WALK_IN

SPACES = [
    # 国华新都: one-stop hub of the government-led programs.
    SpaceSpec(
        "国华新都",
        "职工家培训教室",
        K.CLASSROOM,
        40,
        "85",
        "工会“职工家”技能培训教室，平日开设职业技能、电商运营等培训；空闲时段居民可免费预约使用。",
        ["投影仪", "白板", "音响及无线话筒", "课桌椅 40 套", "空调"],
        CLASSROOM_HOURS,
    ),
    SpaceSpec(
        "国华新都",
        "暖心驿站活动室",
        K.ACTIVITY_ROOM,
        30,
        "60",
        "妇联“暖心驿站”，开展亲子课堂、心理疏导和便民服务；居民可预约开展小型活动。",
        ["圆桌及折叠椅", "绘本书架", "儿童安全地垫", "电视屏", "饮水机"],
        ACTIVITY_HOURS,
        slot_minutes=30,
        min_minutes=60,
        min_notice_minutes=60,
    ),
    SpaceSpec(
        "国华新都",
        "青年夜校教室",
        K.CLASSROOM,
        36,
        "70",
        "团委“青年夜校”教室，晚间开设短视频拍摄、电商直播等课程；白天可预约学习交流。",
        ["投影仪", "补光灯及手机支架", "无线网络", "白板", "课桌椅 36 套"],
        hours(
            (WEEKDAYS, "09:00", "12:00"),
            (WEEKDAYS, "14:00", "22:00"),
            (WEEKEND, "09:00", "12:00"),
            (WEEKEND, "14:00", "18:00"),
        ),
    ),
    SpaceSpec(
        "国华新都",
        "阅览室",
        K.READING_ROOM,
        40,
        "90",
        "开放式阅览室，开放时间内随时到访，无需预约；进门扫码登记即可。",
        ["图书约 3000 册", "报刊架", "阅读桌椅 40 座", "空调", "免费无线网络"],
        hours(
            (WEEKDAYS, "08:30", "12:00"),
            (WEEKDAYS, "14:00", "21:00"),
            (WEEKEND, "09:00", "21:00"),
        ),
        access_mode=WALK_IN,
    ),
    # 绿地香颂公馆: 社区青少宫, refitted by the partner agency; its classes run in the
    # weekday-evening and weekend-morning windows (错峰), residents book the rest for free.
    SpaceSpec(
        "绿地香颂公馆",
        "舞蹈室",
        K.DANCE_ROOM,
        25,
        "120",
        "社区青少宫舞蹈室，由进驻培训机构投资改造。工作日晚间和周末上午是机构课程的错峰时段，"
        "其余开放时间居民可免费预约。",
        ["木地板", "整面镜墙", "把杆", "音响", "更衣区"],
        YOUTH_PALACE_HOURS,
        max_minutes=120,
        partner_windows=[(WEEKDAYS, "18:00", "20:00"), (WEEKEND, "09:00", "11:00")],
    ),
    SpaceSpec(
        "绿地香颂公馆",
        "书法教室",
        K.CLASSROOM,
        20,
        "50",
        "书法教室，进驻机构在错峰时段开设半价书法课；其他时间居民可预约练字、开展书画活动。",
        ["书法桌 20 张", "毛毡及笔墨纸砚", "作品展示墙", "洗笔池"],
        YOUTH_PALACE_HOURS,
        partner_windows=[((0, 2, 4), "18:00", "20:00"), ((5,), "09:00", "12:00")],
    ),
    SpaceSpec(
        "绿地香颂公馆",
        "编程教室",
        K.CLASSROOM,
        20,
        "45",
        "编程教室，进驻机构在错峰时段开设半价少儿编程课；其他时间居民可预约学习交流。",
        ["电脑 20 台", "投影仪", "编程机器人套件", "无线网络"],
        YOUTH_PALACE_HOURS,
        partner_windows=[((1, 3), "18:00", "20:00"), ((6,), "09:00", "12:00")],
    ),
    SpaceSpec(
        "绿地香颂公馆",
        "妇儿成长基地活动室",
        K.ACTIVITY_ROOM,
        30,
        "70",
        "妇儿成长基地活动室，开展亲子阅读、家庭教育讲座等活动；周末晚上也开放。",
        ["儿童桌椅", "绘本书架", "安全地垫", "投影仪"],
        # Open every evening, weekends too: "tomorrow 19:00, 90 minutes, 8 people" (the
        # free-room search's demo) finds a room in 阿华's own compound whatever the day.
        hours(
            (WEEKDAYS, "08:30", "12:00"),
            (WEEKDAYS, "14:00", "21:30"),
            (WEEKEND, "09:00", "12:00"),
            (WEEKEND, "14:00", "21:30"),
        ),
        slot_minutes=30,
        min_notice_minutes=60,
    ),
    # 碧桂园华府: 妇儿成长基地 with the women's federation; 妇女微家.
    SpaceSpec(
        "碧桂园华府",
        "妇儿成长基地",
        K.ACTIVITY_ROOM,
        35,
        "80",
        "与妇联共建的妇儿成长基地，“妇女微家”在这里组织姐妹议事、亲子成长等活动。",
        ["会议桌椅", "投影仪", "儿童阅读角", "母婴休息区"],
        ACTIVITY_HOURS,
        slot_minutes=30,
        min_notice_minutes=60,
    ),
    SpaceSpec(
        "碧桂园华府",
        "亲子手工坊",
        K.ACTIVITY_ROOM,
        24,
        "55",
        "亲子手工坊，周末常有亲子手工课；居民可预约开展手作、非遗体验等活动。",
        ["手工桌 6 张", "儿童椅 24 张", "剪刀、热熔胶枪等工具", "材料柜", "洗手池"],
        hours(
            (WEEKDAYS, "14:00", "17:30"),
            (WEEKDAYS, "18:30", "21:00"),
            (WEEKEND, "09:00", "12:00"),
            (WEEKEND, "14:00", "17:30"),
        ),
        slot_minutes=30,
        min_notice_minutes=60,
    ),
    # 万科金域华庭: run by the 街坊会 on a duty rotation.
    SpaceSpec(
        "万科金域华庭",
        "图书室",
        K.LIBRARY,
        30,
        "65",
        "街坊会自治管理的图书室，由值日生轮岗开门值守；开放时间内随时到访，无需预约。",
        ["图书约 2000 册", "儿童绘本区", "借还登记本", "阅读桌椅 30 座"],
        hours(
            (WEEKDAYS, "09:00", "11:30"),
            (WEEKDAYS, "15:00", "21:00"),
            (WEEKEND, "09:00", "12:00"),
            (WEEKEND, "14:00", "21:00"),
        ),
        access_mode=WALK_IN,
    ),
    SpaceSpec(
        "万科金域华庭",
        "活动室",
        K.ACTIVITY_ROOM,
        40,
        "90",
        "街坊会活动室，用于居民议事、邻里调解和文体活动，由值日生轮岗管理；预约即时确认，无需审批。",
        ["折叠桌椅 40 套", "音响及话筒", "电视屏", "茶水台"],
        ACTIVITY_HOURS,
        slot_minutes=30,
        min_notice_minutes=60,
        requires_approval=False,
    ),
    # 时代招商天禧: the 双百社工 social-work project.
    SpaceSpec(
        "时代招商天禧",
        "双百社工服务室",
        K.MEETING_ROOM,
        12,
        "35",
        "双百社工服务室，提供心理健康咨询和便民服务；也可预约开展小型会议和议事。",
        ["会议桌椅 12 座", "沙发区", "白板", "便民服务工具箱", "饮水机"],
        hours(
            (WEEKDAYS, "09:00", "12:00"),
            (WEEKDAYS, "14:00", "18:00"),
            ((5,), "09:00", "12:00"),
        ),
        slot_minutes=30,
        min_minutes=30,
        max_minutes=120,
        min_notice_minutes=60,
    ),
    SpaceSpec(
        "时代招商天禧",
        "阅览室",
        K.READING_ROOM,
        24,
        "50",
        "阅览室，开放时间内随时到访，无需预约；进门扫码登记即可。",
        ["图书约 1500 册", "报刊架", "阅读桌椅 24 座", "老花镜"],
        hours(
            (WEEKDAYS, "09:00", "12:00"),
            (WEEKDAYS, "14:30", "21:00"),
            (WEEKEND, "09:00", "21:00"),
        ),
        access_mode=WALK_IN,
    ),
    # 领地·海纳君庭: elderly birthday parties; the planned 全龄康养 base.
    SpaceSpec(
        "领地·海纳君庭",
        "长者活动室",
        K.ACTIVITY_ROOM,
        40,
        "100",
        "长者活动室，举办长者生日会、健康讲座和文娱活动。",
        ["扶手椅 40 张", "血压计", "卡拉OK 音响", "棋牌桌 4 张", "无障碍通道"],
        hours(
            (WEEKDAYS, "08:00", "11:30"),
            (WEEKDAYS, "14:30", "17:30"),
            (WEEKEND, "08:30", "11:30"),
            (WEEKEND, "14:30", "17:00"),
        ),
        slot_minutes=30,
        max_minutes=240,
    ),
    SpaceSpec(
        "领地·海纳君庭",
        "多功能厅",
        K.MEETING_ROOM,
        80,
        "180",
        "多功能厅，可举办讲座、文艺汇演和社区大型活动，规划中的全龄康养活动也在这里开展。"
        "需至少提前一天预约。",
        ["舞台及灯光", "投影幕与投影仪", "音响及无线话筒 4 支", "折叠椅 80 张"],
        hours(
            (WEEKDAYS, "09:00", "12:00"),
            (WEEKDAYS, "14:00", "21:00"),
            (WEEKEND, "09:00", "21:00"),
        ),
        max_minutes=240,
        bookable_days_ahead=30,
        min_notice_minutes=24 * 60,
    ),
]

# (compound, space, reason, days from today, opens, closes): one upcoming closure.
CLOSURE = ("领地·海纳君庭", "多功能厅", "空调及音响设备检修", 3, "09:00", "21:00")

# username, display name, phone, compound, building/unit. Invented people.
RESIDENTS = [
    ("ahua", "阿华", "138-0000-0001", "绿地香颂公馆", "3栋2单元"),
    ("xiaomei", "小梅", "138-0000-0002", "碧桂园华府", "12栋1单元"),
    ("laochen", "老陈", "138-0000-0003", "领地·海纳君庭", "5栋3单元"),
]

# (username, compound, space, purpose, attendees, minutes, approve)
UPCOMING_BOOKINGS = [
    ("ahua", "绿地香颂公馆", "舞蹈室", "广场舞排练", 12, 120, True),
    ("xiaomei", "碧桂园华府", "亲子手工坊", "亲子剪纸手工", 10, 90, False),
    ("laochen", "领地·海纳君庭", "长者活动室", "粤曲练唱", 15, 120, False),
    ("staff", "时代招商天禧", "双百社工服务室", "社区议事会", 10, 60, False),
]

# (username, compound, space, purpose, attendees, minutes, days ago): approved, last week.
PAST_BOOKINGS = [
    ("ahua", "绿地香颂公馆", "舞蹈室", "广场舞排练", 12, 120, 6),
    ("ahua", "国华新都", "职工家培训教室", "求职简历分享会", 18, 120, 4),
    ("xiaomei", "碧桂园华府", "亲子手工坊", "亲子剪纸手工", 8, 90, 5),
    ("xiaomei", "国华新都", "暖心驿站活动室", "妈妈读书会", 9, 60, 2),
    ("laochen", "领地·海纳君庭", "长者活动室", "长者生日会", 30, 120, 3),
]

VISIT_DAYS = 7  # the past week, plus today so far


class Command(SeedCommand):
    help = "Load the demo community (沥雄社区's six compounds, rooms, users, bookings, visits)."

    def tally(self, key: str, n: int) -> None:
        self.report[key] = self.report.get(key, 0) + n

    def seed(self) -> None:
        self.compounds = {}
        for position, (name, address, brand) in enumerate(COMPOUNDS, start=1):
            compound, created = Compound.objects.get_or_create(
                name=name, defaults={"address": address, "brand": brand, "position": position}
            )
            self.compounds[name] = compound
            self.count("compounds", created)

        self.spaces = {}
        for spec in SPACES:
            self.spaces[(spec.compound, spec.name)] = self.seed_space(spec)
        self.seed_closure()

        self.users = {"staff": self.seed_staff()}
        for row in RESIDENTS:
            self.users[row[0]] = self.seed_resident(*row)

        self.seed_past_bookings()
        self.seed_upcoming_bookings()
        self.seed_visits()

    def seed_space(self, spec: SpaceSpec) -> Space:
        space, created = Space.objects.get_or_create(
            compound=self.compounds[spec.compound],
            name=spec.name,
            defaults={
                "kind": spec.kind,
                "access_mode": spec.access_mode,
                "capacity": spec.capacity,
                "area_m2": spec.area_m2,
                "description": spec.description,
                "equipment": "\n".join(spec.equipment),
                "is_active": True,
                "requires_approval": spec.requires_approval,
                "slot_minutes": spec.slot_minutes,
                "min_minutes": spec.min_minutes,
                "max_minutes": spec.max_minutes,
                "bookable_days_ahead": spec.bookable_days_ahead,
                "min_notice_minutes": spec.min_notice_minutes,
            },
        )
        self.count("spaces", created)
        if not space.opening_hours.exists():
            OpeningHours.objects.bulk_create(
                OpeningHours(space=space, weekday=day, opens=opens, closes=closes)
                for day, opens, closes in spec.opening
            )
            self.tally("opening hours added", len(spec.opening))
        if spec.partner_windows and not space.partner_windows.exists():
            windows = hours(*spec.partner_windows)
            PartnerWindow.objects.bulk_create(
                PartnerWindow(space=space, weekday=day, opens=opens, closes=closes, holder=PARTNER)
                for day, opens, closes in windows
            )
            self.tally("partner windows added", len(windows))
        return space

    def seed_closure(self) -> None:
        compound, name, reason, days, opens, closes = CLOSURE
        day = local_today() + timedelta(days=days)
        _, created = Closure.objects.get_or_create(
            space=self.spaces[(compound, name)],
            reason=reason,
            defaults={
                "start": datetime.combine(day, time.fromisoformat(opens), tzinfo=LOCAL_TZ),
                "end": datetime.combine(day, time.fromisoformat(closes), tzinfo=LOCAL_TZ),
            },
        )
        self.count("closures", created)

    def seed_user(self, username: str, password: str, **fields):
        user, created = get_user_model().objects.get_or_create(username=username, defaults=fields)
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
        if address is None:
            EmailAddress.objects.filter(user=user, primary=True).update(primary=False)
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        elif not (address.verified and address.primary):
            EmailAddress.objects.filter(user=user, primary=True).exclude(pk=address.pk).update(
                primary=False
            )
            address.verified = address.primary = True
            address.save(update_fields=["verified", "primary"])
        self.count("users", created)
        return user

    def seed_staff(self):
        return self.seed_user(
            "staff",
            STAFF_PASSWORD,
            email="staff@lixiong.example",
            first_name="社区工作人员",
            is_staff=True,
            is_superuser=True,
            is_active=True,
        )

    def seed_resident(self, username, display_name, phone, compound, building_unit):
        user = self.seed_user(
            username,
            DEMO_PASSWORD,
            email=f"{username}@lixiong.example",
            is_staff=False,
            is_superuser=False,
            is_active=True,
        )
        Profile.objects.get_or_create(
            user=user,
            defaults={
                "display_name": display_name,
                "phone": phone,
                "compound": self.compounds[compound],
                "building_unit": building_unit,
            },
        )
        return user

    def seed_upcoming_bookings(self) -> None:
        now = timezone.now()
        tomorrow = local_today() + timedelta(days=1)
        staff = self.users["staff"]
        for username, compound, name, purpose, attendees, minutes, approve in UPCOMING_BOOKINGS:
            user, space = self.users[username], self.spaces[(compound, name)]
            label = f"{username} @ {space}"
            held = Booking.objects.active().filter(space=space, booked_by=user, end__gt=now)
            if held.exists():
                self.tally("upcoming bookings kept", 1)
                continue
            found = first_free_run(space, tomorrow, booking_minutes(space, minutes), now=now)
            if found is None:
                self.notes.append(f"no free slot for {label} in the next week")
                continue
            start, end = found
            try:
                booking = services.booking_create(
                    space=space,
                    booked_by=user,
                    start=start,
                    end=end,
                    purpose=purpose,
                    attendees=attendees,
                    language=settings.LANGUAGE_CODE,
                )
                if approve and booking.status == Booking.Status.PENDING:
                    services.booking_approve(booking=booking, by=staff)
            except BookingError as exc:
                self.notes.append(f"booking {label} refused: {exc.code} ({exc.message})")
                continue
            self.tally("upcoming bookings created", 1)

    def seed_past_bookings(self) -> None:
        """Approved bookings of last week, for the usage reports. The service refuses the past,
        so they are written directly, in slots that were free and allowed on that day."""
        now = timezone.now()
        staff = self.users["staff"]
        for username, compound, name, purpose, attendees, minutes, days_ago in PAST_BOOKINGS:
            user, space = self.users[username], self.spaces[(compound, name)]
            done = Booking.objects.filter(
                space=space, booked_by=user, purpose=purpose, end__lte=now
            )
            if done.exists():
                self.tally("past bookings kept", 1)
                continue
            day = local_today() - timedelta(days=days_ago)
            # As if requested the day before: the same rules, evaluated back then.
            then = datetime.combine(day - timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
            found = first_free_run(space, day, booking_minutes(space, minutes), now=then, days=1)
            if found is None or found[1] > now:
                self.notes.append(f"no free slot for past booking {username} @ {space} on {day}")
                continue
            start, end = found
            try:
                services.booking_rules_check(
                    space=space,
                    start=start,
                    end=end,
                    attendees=attendees,
                    as_staff=user.is_staff,
                    now=then,
                )
            except BookingError as exc:
                self.notes.append(f"past booking {username} @ {space} refused: {exc.code}")
                continue
            Booking.objects.create(
                space=space,
                booked_by=user,
                purpose=purpose,
                attendees=attendees,
                start=start,
                end=end,
                status=Booking.Status.APPROVED,
                decided_by=staff,
                decided_at=then + timedelta(hours=10),
                language=settings.LANGUAGE_CODE,
            )
            self.tally("past bookings created", 1)

    def seed_visits(self) -> None:
        now = timezone.now()
        today = local_today()
        staff = self.users["staff"]
        residents = [self.users[row[0]] for row in RESIDENTS]
        for space in self.spaces.values():
            if not space.is_walk_in:
                continue
            if Visit.objects.filter(space=space).exists():
                self.tally("walk-in rooms with visits kept", 1)
                continue
            rng = random.Random(f"{space.compound.name}/{space.name}")
            ranges = list(space.opening_hours.all())
            visits = []
            for offset in range(-VISIT_DAYS, 1):
                day = today + timedelta(days=offset)
                visits += day_visits(space, day, ranges, rng, now, staff, residents)
            Visit.objects.bulk_create(visits)
            self.tally("visits created", len(visits))

    # -- output ------------------------------------------------------------------------------

    def print_summary(self) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS("Demo community 沥雄社区 is ready."))
        for key, value in self.report.items():
            if isinstance(value, tuple):
                total, new = value
                out.write(f"  {key}: {total} ({new} new)")
            else:
                out.write(f"  {key}: {value}")
        spaces = Space.objects.filter(compound__in=self.compounds.values())
        walk_in = spaces.filter(access_mode=Space.AccessMode.WALK_IN).count()
        out.write(f"  rooms: {walk_in} walk-in, {spaces.count() - walk_in} bookable")
        upcoming = Booking.objects.active().upcoming()
        out.write(
            f"  upcoming active bookings: {upcoming.count()} "
            f"({upcoming.filter(status=Booking.Status.PENDING).count()} waiting for approval)"
        )
        for note in self.notes:
            out.write(self.style.WARNING(f"  note: {note}"))
        out.write("Demo logins:")
        out.write(f"  staff / {STAFF_PASSWORD} (admin at {settings.SITE_URL}/admin/)")
        for username, display_name, _phone, compound, _unit in RESIDENTS:
            out.write(f"  {username} / {DEMO_PASSWORD} ({display_name}, {compound})")


def booking_minutes(space: Space, wanted: int) -> int:
    """`wanted` minutes, clamped to the room's limits and rounded down to whole slots."""
    minutes = max(space.min_minutes, min(wanted, space.max_minutes))
    return max(space.slot_minutes, minutes - minutes % space.slot_minutes)


def first_free_run(
    space: Space, first_day: date, minutes: int, *, now: datetime, days: int = 7
) -> tuple[datetime, datetime] | None:
    """The first run of consecutive free slots lasting `minutes`, from `first_day` on."""
    need = max(1, minutes // space.slot_minutes)
    run = []
    for slot in selectors.space_slots(space=space, first_day=first_day, days=days, now=now):
        if slot.state != selectors.FREE:
            run = []
            continue
        if run and run[-1].end != slot.start:
            run = []
        run.append(slot)
        if len(run) == need:
            return run[0].start, run[-1].end
    return None


def day_visits(space, day, ranges, rng, now, staff, residents) -> list[Visit]:
    """A day of walk-ins: staff head counts at the door and a resident or two checking in,
    at times inside the opening hours and not after `now`."""
    visits = []
    for opening in (h for h in ranges if h.weekday == day.weekday()):
        opens, closes = opening.bounds_on(day)
        span = int((closes - opens).total_seconds() // 60)
        for _ in range(rng.randint(1, 4)):
            at = opens + timedelta(minutes=rng.randrange(span))
            if at >= now:
                continue
            if rng.random() < 0.3:
                visits.append(Visit(space=space, visited_at=at, visitor=rng.choice(residents)))
            else:
                visits.append(
                    Visit(
                        space=space,
                        visited_at=at,
                        head_count=rng.randint(2, 8),
                        recorded_by=staff,
                    )
                )
    # One resident checks in at most once a day, as the check-in dedup would allow.
    seen, unique = set(), []
    for visit in sorted(visits, key=lambda v: v.visited_at):
        if visit.visitor is not None:
            if visit.visitor.pk in seen:
                continue
            seen.add(visit.visitor.pk)
        unique.append(visit)
    return unique
