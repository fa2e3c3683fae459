"""`python manage.py seed_programs`: the government-led force of the demo community, on top of
the ground `seed_spaces` laid (run both with `python manage.py seed_demo`). Safe to run again.

What it loads: the service categories (data, not code), the four town departments of the domain
brief with an officer each, their programs, upcoming activities (through the services, which
hold the room), one weekly series, registrations (one activity full with a waitlist, one with
an open offer), and last month's finished activities with their attendance (人次).

Idempotency, by natural keys, and never overwriting what staff may have edited since:
- categories by name, organisers by name, a department by its organiser, a program by
  (department, title), users by username: get_or_create, so edits survive and passwords are
  set only when a user is created; a program's compounds only when it is created;
- an upcoming activity by (organiser, title) among activities that have not ended (whatever
  their status, so one staff cancelled is not brought back); a weekly series by (organiser,
  title) while it runs; registrations only once per (activity, resident);
- a past activity by (organiser, title) among activities that have started. Its date is counted
  back from today, so keying on the start as well would add a copy on every later day the seed
  runs (`make run` seeds each time); past and upcoming titles never repeat within a department.

Upcoming activities go through programs.services.activity_create, which books the room through
the spaces booking service: candidate times inside the room's opening hours are tried in order
and a taken or closed one is skipped (and listed). The services refuse the past, so past
activities are written directly with their room booking (approved, for_activity), only where
the room was open, not closed and free, then closed through activity_close so their final count
is computed by the same rule as an officer's roster.

Every person here is invented.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db.models import Sum
from django.utils import timezone

from lixiong.seeding import DEMO_PASSWORD, SeedCommand
from lixiong.timeutil import LOCAL_TZ, local_today
from programs import selectors, services
from programs.errors import ActivityError
from programs.models import (
    Activity,
    Department,
    Organiser,
    Program,
    Registration,
    Series,
    ServiceCategory,
)
from spaces import services as space_services
from spaces.errors import BookingError
from spaces.models import Booking, Compound, Space

UPCOMING_DAYS = 14  # upcoming one-off activities fall in the next two weeks
PAST_SPREAD = 6  # a past activity may move this many days off its planned day

WD = (0, 1, 2, 3, 4)
WE = (5, 6)
PROMOTE = Activity.WaitlistPolicy.PROMOTE
OFFER = Activity.WaitlistPolicy.OFFER

# In display order. Data, not code: staff add more in the admin.
CATEGORIES = [
    "职业技能培训",
    "亲子",
    "青少年",
    "养老",
    "托育",
    "社区助餐",
    "家政就业",
    "康养保健",
    "体育休闲",
    "儿童游乐",
    "文化",
    "心理健康",
    "便民服务",
]

# The residents seed_spaces creates; the programs seed signs them up too.
SPACE_RESIDENTS = ("ahua", "xiaomei", "laochen")
DEMO_RESIDENTS = 12


def R(n: int) -> str:  # noqa: N802 - reads like a name in the tables below
    return f"demo_resident_{n:02d}"


@dataclass
class DepartmentSpec:
    key: str
    name: str
    kind: str
    brand: str
    contact_name: str
    contact_phone: str
    officer: str
    officer_name: str


DEPARTMENTS = [
    DepartmentSpec(
        "union",
        "大沥镇总工会",
        Department.Kind.TRADE_UNION,
        "职工家",
        "职工家服务台",
        "138-0000-0101",
        "officer_union",
        "工会干事",
    ),
    DepartmentSpec(
        "fulian",
        "大沥镇妇联",
        Department.Kind.WOMENS_FEDERATION,
        "暖心驿站",
        "暖心驿站服务台",
        "138-0000-0102",
        "officer_fulian",
        "妇联干事",
    ),
    DepartmentSpec(
        "youth",
        "团大沥镇委员会",
        Department.Kind.YOUTH_LEAGUE,
        "青年夜校",
        "青年夜校班主任",
        "138-0000-0103",
        "officer_youth",
        "团委干事",
    ),
    DepartmentSpec(
        "shebai",
        "双百社工站",
        Department.Kind.SOCIAL_WORK,
        "双百社工",
        "双百社工站值班社工",
        "138-0000-0104",
        "officer_shebai",
        "驻站社工",
    ),
]

# Rooms (compound, name), as seed_spaces creates them.
GH_UNION = ("国华新都", "职工家培训教室")  # 40 seats
GH_WARM = ("国华新都", "暖心驿站活动室")  # 30
GH_YOUTH = ("国华新都", "青年夜校教室")  # 36
BGY_BASE = ("碧桂园华府", "妇儿成长基地")  # 35
BGY_CRAFT = ("碧桂园华府", "亲子手工坊")  # 24
SD_SOCIAL = ("时代招商天禧", "双百社工服务室")  # 12


@dataclass
class Upcoming:
    """A one-off activity in the next two weeks: the first candidate (day in `weekdays` from
    tomorrow on, then each of `times`) that is open and free."""

    title: str
    description: str
    room: tuple[str, str]
    weekdays: tuple[int, ...]
    times: list[tuple[str, str]]
    capacity: int
    registrations: list[tuple[str, int]] = field(default_factory=list)  # (username, party)
    cancels: list[str] = field(default_factory=list)  # these leave again, in order
    category: str | None = None  # default: the program's
    audience: str = ""
    min_age: int | None = None
    max_age: int | None = None
    max_party_size: int = 1
    waitlist_policy: str = PROMOTE
    offer_hours: int = 12


@dataclass
class WeeklySeries:
    title: str
    description: str
    room: tuple[str, str]
    weekdays: list[int]
    starts_at: str
    ends_at: str
    weeks: int
    capacity: int
    registrations: list[list[tuple[str, int]]] = field(default_factory=list)  # per occurrence
    category: str | None = None
    audience: str = ""


@dataclass
class Past:
    """A finished activity about `days_ago` days back (moved a few days if its room was taken),
    with who came: (username, party size, how many of the party attended)."""

    title: str
    description: str
    room: tuple[str, str]
    weekdays: tuple[int, ...]
    times: list[tuple[str, str]]
    days_ago: int
    capacity: int
    attendance: list[tuple[str, int, int]]
    walk_ins: int
    category: str | None = None
    audience: str = ""
    max_party_size: int = 1


@dataclass
class ProgramSpec:
    department: str
    title: str
    category: str
    description: str
    audience: str
    funded_by: str
    compounds: list[str]
    upcoming: list[Upcoming] = field(default_factory=list)
    series: list[WeeklySeries] = field(default_factory=list)
    past: list[Past] = field(default_factory=list)


PROGRAMS = [
    # --- 大沥镇总工会 · 职工家 -----------------------------------------------------------------
    ProgramSpec(
        "union",
        "职工家技能提升培训班",
        "职业技能培训",
        "大沥镇总工会“职工家”面向辖区职工和待业居民开设的免费技能培训，围绕电工、办公软件、"
        "电商客服等岗位技能分期开班，结业学员可参加技能等级认定辅导。",
        "辖区在职职工、灵活就业人员、待业居民",
        "大沥镇总工会职工服务经费",
        ["国华新都", "万科金域华庭"],
        upcoming=[
            Upcoming(
                "电工基础与安全用电（初级）",
                "讲解家庭和厂区用电常识、常用电工工具和安全操作规范，现场演示漏电保护器检测。"
                "适合准备考取低压电工证的职工。",
                GH_UNION,
                WD,
                [("19:00", "21:00")],
                30,
                [("ahua", 1)] + [(R(n), 1) for n in range(1, 7)],
                audience="18–60 岁职工",
                min_age=18,
                max_age=60,
            ),
            Upcoming(
                "办公软件实操：表格与文档",
                "手把手学习电子表格、文档排版和常用函数。请自带笔记本电脑，教室备有少量电脑可借用。",
                GH_UNION,
                WE,
                [("09:00", "11:30"), ("14:00", "16:30")],
                24,
                [(R(7), 1), (R(8), 1), ("laochen", 1)],
                audience="在职职工、求职居民",
            ),
            Upcoming(
                "新就业形态劳动者权益讲座",
                "面向快递员、外卖骑手、网约车司机等新就业形态劳动者，讲解劳动合同、工伤保险和维权"
                "渠道，工会律师现场答疑。",
                GH_UNION,
                WD,
                [("14:30", "16:30"), ("19:00", "21:00")],
                40,
                [(R(9), 1), (R(10), 1), (R(11), 1)],
                audience="新就业形态劳动者",
            ),
        ],
        past=[
            Past(
                "电商客服技能培训",
                "网店客服的接待话术、售后处理和常用客服工具，结业后推荐本地电商企业岗位。",
                GH_UNION,
                WD,
                [("19:00", "21:00")],
                20,
                30,
                [("ahua", 1, 1)] + [(R(n), 1, 0 if n == 3 else 1) for n in range(1, 6)],
                4,
            ),
            Past(
                "职场沟通与求职面试技巧",
                "简历怎么写、面试怎么答，人力资源讲师现场模拟面试并逐一点评。",
                GH_UNION,
                WD,
                [("14:30", "16:30"), ("19:00", "21:00")],
                27,
                40,
                [(R(6), 1, 1), (R(7), 1, 1), (R(8), 1, 1), (R(9), 1, 0)],
                6,
            ),
        ],
    ),
    ProgramSpec(
        "union",
        "职工家家政服务技能培训",
        "家政就业",
        "联合镇就业部门开展母婴护理、养老护理、居家保洁等家政技能培训，结业后推荐对接家政"
        "企业就业岗位。",
        "有意从事家政服务的居民，就业困难人员优先",
        "大沥镇总工会、镇就业补助资金",
        ["国华新都", "领地·海纳君庭"],
        upcoming=[
            Upcoming(
                "母婴护理（月嫂）入门课",
                "新生儿洗澡抚触、喂养和产妇饮食起居照护的基础知识，配合模型实操练习。",
                GH_UNION,
                WE,
                [("14:00", "16:30"), ("09:00", "11:30")],
                25,
                [("xiaomei", 1), (R(10), 1), (R(11), 1), (R(12), 1)],
            ),
            Upcoming(
                "居家保洁与收纳整理",
                "厨房、卫生间深度清洁方法和衣橱收纳技巧，家政企业讲师示范并介绍上岗要求。",
                GH_UNION,
                WD,
                [("14:00", "16:30"), ("09:30", "11:30")],
                25,
                [(R(1), 1), (R(2), 1)],
            ),
        ],
        past=[
            Past(
                "养老护理员技能体验课",
                "长者翻身、移位、喂食等照护技能体验，了解养老护理员职业和培训补贴政策。",
                GH_UNION,
                WD,
                [("14:00", "16:30")],
                13,
                25,
                [("laochen", 1, 1), (R(10), 1, 1), (R(11), 1, 1), (R(12), 1, 1), (R(1), 1, 0)],
                2,
                category="养老",
            ),
        ],
    ),
    # --- 大沥镇妇联 · 暖心驿站 ------------------------------------------------------------------
    ProgramSpec(
        "fulian",
        "暖心驿站亲子成长课堂",
        "亲子",
        "大沥镇妇联“暖心驿站”每月开展亲子阅读、家庭教育和亲子互动课程，帮助家长学习陪伴方法，"
        "让孩子在家门口快乐成长。",
        "3–12 岁儿童及家长",
        "大沥镇妇联家庭教育专项经费",
        ["国华新都", "绿地香颂公馆"],
        upcoming=[
            # Full, with two families waiting (promoted at once when a seat frees).
            Upcoming(
                "亲子绘本共读：我的情绪小怪兽",
                "老师带领家长和孩子共读绘本，用颜色认识情绪，亲子合作完成一个“情绪瓶”。"
                "每组家庭最多 3 人（含家长）。",
                GH_WARM,
                WE,
                [("09:30", "11:00"), ("14:30", "16:00")],
                10,
                [
                    ("xiaomei", 2),
                    (R(1), 3),
                    (R(2), 2),
                    (R(3), 3),
                    (R(4), 2),
                    ("ahua", 2),
                ],
                audience="3–8 岁儿童及家长",
                min_age=3,
                max_age=8,
                max_party_size=3,
            ),
            Upcoming(
                "家庭教育讲座：如何陪孩子做作业",
                "家庭教育指导师讲解如何建立学习习惯、减少作业时间的亲子冲突，现场解答家长提问。",
                GH_WARM,
                WD,
                [("19:30", "21:00")],
                30,
                [("ahua", 1), (R(5), 2), (R(6), 1), ("xiaomei", 1)],
                audience="小学生家长",
                max_party_size=2,
            ),
            Upcoming(
                "亲子科学小实验",
                "彩虹牛奶、会跳舞的葡萄干……用厨房里的材料做科学小实验，家长和孩子一起动手。",
                GH_WARM,
                WE,
                [("14:30", "16:30"), ("09:30", "11:30")],
                16,
                [(R(7), 2), (R(8), 2), ("laochen", 2)],
                audience="5–12 岁儿童及家长",
                min_age=5,
                max_age=12,
                max_party_size=2,
            ),
        ],
        past=[
            Past(
                "亲子绘本共读：好饿的毛毛虫",
                "共读经典绘本，认识一周七天和食物，亲子手工制作毛毛虫书签。",
                GH_WARM,
                WE,
                [("09:30", "11:00"), ("14:30", "16:00")],
                17,
                10,
                [("xiaomei", 2, 2), (R(1), 3, 3), (R(2), 2, 1), (R(3), 3, 2)],
                1,
                audience="3–8 岁儿童及家长",
                max_party_size=3,
            ),
            Past(
                "亲子沟通工作坊",
                "通过情景扮演练习倾听和表达，帮助家长与孩子好好说话。",
                GH_WARM,
                WD,
                [("19:30", "21:00")],
                24,
                30,
                [("ahua", 2, 2), (R(4), 1, 1), (R(5), 2, 2), (R(6), 1, 0), (R(7), 2, 1)],
                3,
                max_party_size=2,
            ),
        ],
    ),
    ProgramSpec(
        "fulian",
        "妇儿成长基地手工坊",
        "亲子",
        "妇联与碧桂园华府共建的妇儿成长基地，由“妇女微家”的姐妹担任志愿导师：周末开展亲子手工、"
        "非遗体验，平日晚间开展妇女手作和姐妹议事。",
        "亲子家庭、社区妇女",
        "大沥镇妇联妇儿成长基地建设经费",
        ["碧桂园华府"],
        upcoming=[
            # Full; the seat a family gives back is offered to the next one for 12 hours.
            Upcoming(
                "非遗剪纸亲子体验",
                "跟随剪纸志愿导师学习佛山剪纸的基本刀法，亲子合作完成一幅窗花作品，材料由基地提供。"
                "每组家庭最多 2 人。",
                BGY_CRAFT,
                WE,
                [("09:30", "11:30"), ("14:30", "16:30")],
                12,
                [
                    (R(8), 2),
                    (R(9), 2),
                    (R(10), 2),
                    (R(11), 2),
                    (R(12), 2),
                    ("laochen", 2),
                    ("xiaomei", 2),
                    ("ahua", 1),
                ],
                cancels=[R(10)],
                category="文化",
                audience="6–14 岁儿童及家长",
                min_age=6,
                max_age=14,
                max_party_size=2,
                waitlist_policy=OFFER,
                offer_hours=12,
            ),
            Upcoming(
                "亲子黏土手作：我的小动物",
                "用超轻黏土捏出自己喜欢的小动物，锻炼孩子的动手能力和想象力。",
                BGY_CRAFT,
                WE,
                [("14:30", "16:30"), ("09:30", "11:30")],
                16,
                [(R(1), 2), (R(2), 2), ("xiaomei", 2)],
                audience="4–10 岁儿童及家长",
                min_age=4,
                max_age=10,
                max_party_size=2,
            ),
            Upcoming(
                "妇女微家·巧手编织",
                "“妇女微家”姐妹手把手教钩针编织杯垫和小挂件，边做手工边聊家常。",
                BGY_CRAFT,
                WD,
                [("19:00", "20:30")],
                15,
                [("xiaomei", 1), (R(3), 1), (R(4), 1)],
                category="文化",
                audience="社区妇女",
            ),
        ],
        past=[
            Past(
                "亲子扎染手工",
                "用植物染料和皮筋扎出花纹，亲子合作完成一块扎染方巾。",
                BGY_CRAFT,
                WE,
                [("14:30", "16:30"), ("09:30", "11:30")],
                10,
                16,
                [("xiaomei", 2, 2), (R(8), 2, 2), (R(9), 2, 1), (R(10), 2, 2)],
                2,
                max_party_size=2,
            ),
            Past(
                "妇女微家·姐妹议事会",
                "姐妹们一起商量基地下季度的活动安排，收集大家对亲子课程的建议。",
                BGY_BASE,
                WD,
                [("19:00", "20:30")],
                30,
                20,
                [("xiaomei", 1, 1), (R(11), 1, 1), (R(12), 1, 1)],
                5,
                category="文化",
                audience="社区妇女",
            ),
        ],
    ),
    # --- 团大沥镇委员会 · 青年夜校 --------------------------------------------------------------
    ProgramSpec(
        "youth",
        "青年夜校短视频与电商夜校",
        "青少年",
        "团大沥镇委员会“青年夜校”利用晚间为辖区青年开设短视频拍摄剪辑、电商直播、AI 办公等"
        "实用课程，学以致用，助力青年就业创业。",
        "18–45 岁青年",
        "共青团大沥镇委员会青年发展专项经费",
        ["国华新都", "绿地香颂公馆", "万科金域华庭"],
        # The Thursday talk is created before the series, so the series lists that evening
        # as skipped (the room is taken) instead of silently dropping it.
        upcoming=[
            Upcoming(
                "电商直播带货实战分享会",
                "本地电商主播分享选品、直播话术和流量投放经验，现场模拟直播间演练。",
                GH_YOUTH,
                (3,),
                [("19:00", "21:00")],
                36,
                [("ahua", 1), (R(5), 1), (R(6), 1), (R(7), 1)],
                category="职业技能培训",
                audience="18–45 岁青年",
                min_age=18,
                max_age=45,
            ),
            Upcoming(
                "AI 工具提升办公效率",
                "用常见的 AI 助手写文案、做表格、整理会议纪要，现场跟练，请带手机或电脑。",
                GH_YOUTH,
                WE,
                [("14:30", "17:00"), ("09:00", "11:30")],
                30,
                [(R(8), 1), (R(9), 1)],
                category="职业技能培训",
                audience="18–45 岁青年",
                min_age=18,
                max_age=45,
            ),
        ],
        series=[
            WeeklySeries(
                "青年夜校·短视频拍摄与剪辑",
                "连续 3 周、每周二和周四晚上的系统课程：手机拍摄构图、运镜、剪辑软件、字幕与配乐，"
                "结课时每位学员完成一条社区主题短视频。可只报名其中几节。",
                GH_YOUTH,
                [1, 3],
                "19:30",
                "21:30",
                3,
                30,
                [
                    [("ahua", 1), (R(1), 1), (R(2), 1), (R(3), 1), (R(4), 1)],
                    [("ahua", 1), (R(1), 1), (R(2), 1)],
                ],
                category="职业技能培训",
                audience="18–45 岁青年",
            ),
        ],
        past=[
            Past(
                "手机摄影入门",
                "用手机拍出好照片：光线、构图和修图，课后到小区花园实拍练习。",
                GH_YOUTH,
                WD,
                [("19:30", "21:30")],
                12,
                30,
                [("ahua", 1, 1)] + [(R(n), 1, 0 if n == 4 else 1) for n in range(1, 6)],
                3,
                category="职业技能培训",
            ),
            Past(
                "短视频账号运营入门",
                "账号定位、选题策划和数据复盘，讲师拆解几个本地生活号的成长经历。",
                GH_YOUTH,
                WD,
                [("19:30", "21:30")],
                19,
                36,
                [(R(n), 1, 1) for n in range(6, 10)],
                7,
                category="职业技能培训",
            ),
        ],
    ),
    # --- 双百社工站 · 双百社工 -----------------------------------------------------------------
    ProgramSpec(
        "shebai",
        "双百社工心理健康服务",
        "心理健康",
        "双百社工驻点时代招商天禧，为居民提供心理咨询预约、情绪减压小组和长者心理关爱活动，"
        "需要时转介专业机构。",
        "有情绪困扰的居民、长者、青少年及其家庭",
        "广东省“双百工程”社会工作服务专项资金",
        ["时代招商天禧", "领地·海纳君庭"],
        upcoming=[
            Upcoming(
                "情绪减压小组：学会和压力相处",
                "8 人小组，社工带领认识压力来源，练习呼吸放松和正念方法。小组内容保密。",
                SD_SOCIAL,
                WD,
                [("14:30", "16:00"), ("09:30", "11:00")],
                8,
                [(R(n), 1) for n in range(1, 10)],
                audience="18 岁以上居民",
                min_age=18,
            ),
            Upcoming(
                "长者心理关爱茶话会",
                "和社工、志愿者喝茶聊天，分享生活里的开心事和烦心事，社工留意需要跟进的长者。",
                SD_SOCIAL,
                WD,
                [("09:30", "11:00"), ("14:30", "16:00")],
                12,
                [("laochen", 1), (R(10), 1), (R(11), 1)],
                category="养老",
                audience="60 岁以上长者",
                min_age=60,
            ),
        ],
        past=[
            Past(
                "社区心理健康讲座：睡个好觉",
                "讲解失眠的常见原因和改善睡眠的小方法，社工现场做简单的情绪自评。",
                SD_SOCIAL,
                WD,
                [("14:30", "16:00"), ("09:30", "11:00")],
                23,
                12,
                [("laochen", 1, 1), (R(10), 1, 1), (R(11), 1, 1), (R(12), 1, 0), (R(1), 1, 1)],
                2,
            ),
        ],
    ),
    ProgramSpec(
        "shebai",
        "双百社工便民服务日",
        "便民服务",
        "每月一次的便民服务日：义剪、磨刀、小家电维修、血压测量和政策咨询，由社工联合志愿者和"
        "爱心商家提供，全部免费。",
        "全体居民，长者优先",
        "广东省“双百工程”社会工作服务专项资金、爱心商家支持",
        ["时代招商天禧", "领地·海纳君庭", "万科金域华庭"],
        upcoming=[
            Upcoming(
                "便民服务日：义剪、磨刀、量血压",
                "志愿理发师义剪、师傅现场磨刀、社区医生量血压。请按报名时段前来，减少排队。",
                SD_SOCIAL,
                (5,),
                [("09:00", "11:30")],
                12,
                [("laochen", 2), (R(12), 1), ("ahua", 1)],
                max_party_size=2,
            ),
            Upcoming(
                "长者智能手机课堂：扫码和视频通话",
                "手把手教长者用手机扫码、视频通话和识别诈骗电话，志愿者一对一辅导。",
                SD_SOCIAL,
                WD,
                [("14:30", "16:30"), ("09:30", "11:30")],
                10,
                [("laochen", 1), (R(11), 1)],
                category="养老",
                audience="60 岁以上长者",
                min_age=60,
            ),
        ],
        past=[
            Past(
                "便民服务日：小家电维修",
                "电风扇、电饭煲、台灯等小家电免费检修，志愿者同时提供义剪和血压测量。",
                SD_SOCIAL,
                (5,),
                [("09:00", "11:30")],
                16,
                12,
                [("laochen", 2, 2), (R(10), 1, 1), (R(11), 2, 1), (R(12), 1, 1)],
                5,
                category="便民服务",
                max_party_size=2,
            ),
        ],
    ),
]


class Command(SeedCommand):
    help = (
        "Load the demo programs (departments, officers, programs, activities, registrations, "
        "attendance) on top of seed_spaces."
    )

    def prepare(self) -> None:
        self.skips = []  # candidate times tried and found taken or closed: normal, listed
        self.series_lines = []

    # -- seeding ------------------------------------------------------------------------------

    def seed(self) -> None:
        check_specs()
        self.now = timezone.now()
        self.today = local_today()
        self.find_ground()
        self.categories = {}
        for position, name in enumerate(CATEGORIES, start=1):
            category, created = ServiceCategory.objects.get_or_create(
                name=name, defaults={"position": position}
            )
            self.categories[name] = category
            self.count("service categories", created)
        for n in range(1, DEMO_RESIDENTS + 1):
            self.people[R(n)] = self.seed_demo_person(R(n), f"街坊{n:02d}")[0]
        self.departments, self.officers = {}, {}
        for spec in DEPARTMENTS:
            self.seed_department(spec)
        for spec in PROGRAMS:
            program = self.seed_program(spec)
            for upcoming in spec.upcoming:
                self.seed_upcoming(program, upcoming)
            for series in spec.series:
                self.seed_series(program, series)
            for past in spec.past:
                self.seed_past(program, past)

    def find_ground(self) -> None:
        """The compounds, rooms and residents seed_spaces created, looked up by name."""
        names = {c for spec in PROGRAMS for c in spec.compounds}
        rooms = {a.room for spec in PROGRAMS for a in [*spec.upcoming, *spec.series, *spec.past]}
        names |= {compound for compound, _ in rooms}
        self.compounds = {c.name: c for c in Compound.objects.filter(name__in=names)}
        self.spaces = {}
        for compound, name in rooms:
            space = Space.objects.filter(compound__name=compound, name=name).first()
            if space is not None:
                self.spaces[(compound, name)] = space
        users = get_user_model().objects.filter(username__in=SPACE_RESIDENTS)
        self.people = {user.username: user for user in users}
        missing = (
            (names - set(self.compounds))
            | {f"{c} {n}" for c, n in rooms if (c, n) not in self.spaces}
            | (set(SPACE_RESIDENTS) - set(self.people))
        )
        if missing:
            raise CommandError(
                f"missing {', '.join(sorted(missing))}: run `manage.py seed_spaces` first "
                "(or `manage.py seed_demo`, which runs both)."
            )

    def seed_department(self, spec: DepartmentSpec) -> None:
        organiser, organiser_created = Organiser.objects.get_or_create(
            name=spec.name, defaults={"kind": Organiser.Kind.DEPARTMENT}
        )
        department, created = Department.objects.get_or_create(
            organiser=organiser,
            defaults={
                "kind": spec.kind,
                "brand": spec.brand,
                "contact_name": spec.contact_name,
                "contact_phone": spec.contact_phone,
            },
        )
        officer, officer_created = self.seed_demo_person(spec.officer, spec.officer_name)
        if organiser_created or officer_created:
            # Only then: an officer staff have since removed from the organiser stays removed.
            organiser.members.add(officer)
        self.departments[spec.key] = department
        self.officers[department.pk] = officer
        self.count("departments", created)

    def seed_program(self, spec: ProgramSpec) -> Program:
        starts_on = (self.today - timedelta(days=90)).replace(day=1)
        ends_on = date(starts_on.year + 1, starts_on.month, 1) - timedelta(days=1)
        program, created = Program.objects.get_or_create(
            department=self.departments[spec.department],
            title=spec.title,
            defaults={
                "category": self.categories[spec.category],
                "description": spec.description,
                "audience": spec.audience,
                "funded_by": spec.funded_by,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "status": Program.Status.ACTIVE,
            },
        )
        if created:
            program.compounds.set([self.compounds[name] for name in spec.compounds])
        self.count("programs", created)
        return program

    def activity_fields(self, program: Program, spec) -> dict:
        category = self.categories[spec.category] if spec.category else program.category
        fields = {
            "program": program,
            "title": spec.title,
            "category": category,
            "description": spec.description,
            "capacity": spec.capacity,
            "audience": spec.audience or program.audience,
        }
        for name in ("min_age", "max_age", "max_party_size", "waitlist_policy", "offer_hours"):
            if hasattr(spec, name):
                fields[name] = getattr(spec, name)
        return fields

    def seed_upcoming(self, program: Program, spec: Upcoming) -> None:
        department = program.department
        organiser, officer = department.organiser, self.officer_of(department)
        held = Activity.objects.filter(organiser=organiser, title=spec.title, end__gt=self.now)
        if held.exists():
            self.count("upcoming activities", False)
            return
        space = self.spaces[spec.room]
        fields = self.activity_fields(program, spec)
        activity = None
        for start, end in self.upcoming_candidates(space, spec):
            try:
                activity = services.activity_create(
                    organiser=organiser, by=officer, space=space, start=start, end=end, **fields
                )
                break
            except BookingError as exc:
                self.skip(spec.title, space, start, exc)
            except ActivityError as exc:
                self.notes.append(f"activity {spec.title} refused: {exc.code} ({exc.message})")
                return
        if activity is None:
            self.notes.append(f"no open, free time for {spec.title} in {space} in two weeks")
            return
        self.count("upcoming activities", True)
        self.register(activity, spec.registrations, spec.cancels)

    def seed_series(self, program: Program, spec: WeeklySeries) -> None:
        department = program.department
        organiser, officer = department.organiser, self.officer_of(department)
        running = Series.objects.filter(
            organiser=organiser, title=spec.title, last_date__gte=self.today
        ).first()
        if running is not None:
            self.count("weekly series", False)
            self.series_lines.append(
                f"series {spec.title}: kept, {running.activities.count()} occurrences"
            )
            return
        first_date = self.today + timedelta(days=1)
        last_date = first_date + timedelta(days=7 * spec.weeks - 1)
        fields = self.activity_fields(program, spec)
        del fields["title"]
        try:
            _series, created, skipped = services.series_create(
                organiser=organiser,
                by=officer,
                title=spec.title,
                space=self.spaces[spec.room],
                weekdays=spec.weekdays,
                first_date=first_date,
                last_date=last_date,
                starts_at=time.fromisoformat(spec.starts_at),
                ends_at=time.fromisoformat(spec.ends_at),
                **fields,
            )
        except ActivityError as exc:
            self.notes.append(f"series {spec.title} refused: {exc.code} ({exc.message})")
            return
        self.count("weekly series", True)
        line = (
            f"series {spec.title}: {len(created)} occurrences {first_date} – {last_date}, "
            f"{len(skipped)} skipped"
        )
        for item in skipped:
            line += f"\n    skipped {item['date']:%Y-%m-%d %a}: {item['code']} ({item['reason']})"
        self.series_lines.append(line)
        for activity, registrations in zip(created, spec.registrations, strict=False):
            self.register(activity, registrations, [])

    def seed_past(self, program: Program, spec: Past) -> None:
        department = program.department
        organiser, officer = department.organiser, self.officer_of(department)
        done = Activity.objects.filter(organiser=organiser, title=spec.title, start__lt=self.now)
        if done.exists():
            self.count("past activities", False)
            return
        space = self.spaces[spec.room]
        found = None
        for start, end in self.past_candidates(space, spec):
            try:
                # As if the officer had planned it a week before.
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
                self.skip(spec.title, space, start, exc)
                continue
            found = start, end
            break
        if found is None:
            self.notes.append(f"no open, free time for past activity {spec.title} in {space}")
            return
        start, end = found
        booking = Booking.objects.create(
            space=space,
            booked_by=officer,
            purpose=spec.title,
            attendees=spec.capacity,
            start=start,
            end=end,
            status=Booking.Status.APPROVED,
            decided_by=officer,
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
            created_by=officer,
            **self.activity_fields(program, spec),
        )
        Registration.objects.bulk_create(
            Registration(
                activity=activity,
                resident=self.people[username],
                party_size=party,
                status=Registration.Status.CONFIRMED,
                position=position,
                attended_count=attended,
                language=settings.LANGUAGE_CODE,
            )
            for position, (username, party, attended) in enumerate(spec.attendance, start=1)
        )
        self.tally("registrations created", len(spec.attendance))
        # Closed like an officer closes the roster: final count = attended + walk-ins.
        services.activity_close(activity=activity, by=officer)
        self.count("past activities", True)

    def register(self, activity: Activity, registrations, cancels) -> None:
        for username, party in registrations:
            resident = self.people[username]
            if activity.registrations.filter(resident=resident).exists():
                continue
            try:
                services.registration_create(
                    activity=activity,
                    resident=resident,
                    party_size=party,
                    language=settings.LANGUAGE_CODE,
                )
            except ActivityError as exc:
                self.notes.append(f"{username} could not sign up for {activity}: {exc.code}")
                continue
            self.tally("registrations created", 1)
        for username in cancels:
            registration = (
                activity.registrations.active().filter(resident=self.people[username]).first()
            )
            if registration is not None:
                services.registration_cancel(registration=registration, by=registration.resident)
                self.tally("registrations cancelled (seat passed on)", 1)

    # -- times --------------------------------------------------------------------------------

    def upcoming_candidates(self, space: Space, spec: Upcoming):
        for offset in range(1, UPCOMING_DAYS + 1):
            day = self.today + timedelta(days=offset)
            if day.weekday() not in spec.weekdays:
                continue
            for start, end in on_day(day, spec.times):
                if start > self.now and is_open(space, start, end):
                    yield start, end

    def past_candidates(self, space: Space, spec: Past):
        offsets = [spec.days_ago]
        for delta in range(1, PAST_SPREAD + 1):
            offsets += [spec.days_ago + delta, spec.days_ago - delta]
        for offset in offsets:
            if offset < 1:
                continue
            day = self.today - timedelta(days=offset)
            if day.weekday() not in spec.weekdays:
                continue
            for start, end in on_day(day, spec.times):
                if end <= self.now and is_open(space, start, end):
                    yield start, end

    def skip(self, title: str, space: Space, start: datetime, exc: BookingError) -> None:
        local = start.astimezone(LOCAL_TZ)
        self.skips.append(f"{title} @ {space} {local:%Y-%m-%d %H:%M}: {exc.code}")

    def officer_of(self, department: Department):
        return self.officers[department.pk]

    def tally(self, key: str, n: int) -> None:
        self.report[key] = self.report.get(key, 0) + n

    # -- output -------------------------------------------------------------------------------

    def print_summary(self) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS("Demo programs (政府主导) are ready."))
        for key, value in self.report.items():
            if isinstance(value, tuple):
                total, new = value
                out.write(f"  {key}: {total} ({new} new)")
            else:
                out.write(f"  {key}: {value}")
        now = timezone.now()
        organisers = [d.organiser_id for d in self.departments.values()]
        activities = Activity.objects.filter(organiser_id__in=organisers)
        upcoming = selectors.with_seat_counts(activities.published().filter(start__gt=now))
        full = [a for a in upcoming if a.seats_taken >= a.capacity]
        registrations = Registration.objects.filter(activity__in=activities)
        by_status = {
            status: registrations.filter(status=status).count()
            for status in Registration.Status.values
        }
        finished = activities.filter(status=Activity.Status.FINISHED)
        person_visits = finished.aggregate(n=Sum("final_count"))["n"] or 0
        out.write(
            f"  upcoming published activities: {len(upcoming)} "
            f"({len(full)} full, {sum(1 for a in full if a.waitlist_length)} with a waitlist)"
        )
        out.write(
            "  registrations: " + ", ".join(f"{n} {status}" for status, n in by_status.items() if n)
        )
        out.write(f"  finished activities: {finished.count()}, {person_visits} 人次")
        for line in self.series_lines:
            out.write(f"  {line}")
        if self.skips:
            out.write(f"  candidate times skipped (room taken or closed): {len(self.skips)}")
            for line in self.skips:
                out.write(f"    {line}")
        for note in self.notes:
            out.write(self.style.WARNING(f"  note: {note}"))
        out.write("Officer logins (department officer area):")
        for spec in DEPARTMENTS:
            out.write(f"  {spec.officer} / {DEMO_PASSWORD} ({spec.name} · {spec.brand})")
        out.write(
            f"  {R(1)} … {R(DEMO_RESIDENTS)} / {DEMO_PASSWORD} "
            f"(residents 街坊01 … 街坊{DEMO_RESIDENTS:02d})"
        )


def on_day(day: date, times: list[tuple[str, str]]):
    for opens, closes in times:
        start = datetime.combine(day, time.fromisoformat(opens), tzinfo=LOCAL_TZ)
        end = datetime.combine(day, time.fromisoformat(closes), tzinfo=LOCAL_TZ)
        yield start, end


def is_open(space: Space, start: datetime, end: datetime) -> bool:
    """Whether one of the room's opening ranges holds the whole of [start, end)."""
    local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    for hours in space.opening_hours.all():
        if hours.weekday != local_start.weekday():
            continue
        opens, closes = hours.bounds_on(local_start.date())
        if opens <= local_start and local_end <= closes:
            return True
    return False


def check_specs() -> None:
    """Titles are the natural keys: none may repeat within a department, past or upcoming."""
    seen = set()
    for spec in PROGRAMS:
        for activity in [*spec.upcoming, *spec.series, *spec.past]:
            key = (spec.department, activity.title)
            if key in seen:
                raise CommandError(f"activity title used twice: {key}")
            seen.add(key)
        for past in spec.past:
            if sum(party for _, party, _ in past.attendance) > past.capacity:
                raise CommandError(f"more registered than seats: {past.title}")
