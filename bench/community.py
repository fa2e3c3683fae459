"""The large community `make bench` measures: 300 rooms, a year of bookings (about 200,000
rows), 2,000 activities and 40,000 registrations, written with COPY in about a minute.

Rows are built as the target tree's model instances (so defaults and new columns follow the
code being measured) and streamed to PostgreSQL with COPY instead of INSERTs.
"""

import csv
import hashlib
import io
import random
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from lixiong.timeutil import LOCAL_TZ, local_today
from programs.models import Activity, Department, Organiser, Registration, ServiceCategory
from spaces.models import Booking, Closure, Compound, OpeningHours, PartnerWindow, Space

# The size of the community. Changing any of these (or GENERATOR) rebuilds the database.
GENERATOR = 1
COMPOUNDS = 30
ROOMS = 300
WALK_IN_ROOMS = 30
DAYS_PAST = 300
DAYS_FUTURE = 65
BOOKINGS_PER_ROOM_DAY = 2.03  # 270 bookable rooms x 365 days x 2.03 = 200,000
ACTIVITIES = 2000
FUTURE_ACTIVITIES = 600
REGISTRATIONS = 40000
RESIDENTS = 6000
STAFF = 12
OFFICERS = 20
# Load-test accounts: each of the 16 clients books as one of 64 residents in turn, so no
# resident holds thousands of bookings (wrk over HTTP; pgbench in SQL has its own).
CLIENTS = 16
POOL = 64
OPENS, CLOSES = 8, 22  # local opening hours of every room, every day

SHAPE = (
    f"g{GENERATOR} c{COMPOUNDS} r{ROOMS}/{WALK_IN_ROOMS} d{DAYS_PAST}+{DAYS_FUTURE} "
    f"b{BOOKINGS_PER_ROOM_DAY} a{ACTIVITIES}/{FUTURE_ACTIVITIES} g{REGISTRATIONS} "
    f"u{RESIDENTS}/{STAFF}/{OFFICERS} p{CLIENTS}x{POOL}"
)

REAL_COMPOUNDS = [
    "国华新都",
    "绿地香颂公馆",
    "碧桂园华府",
    "万科金域华庭",
    "时代招商天禧",
    "领地·海纳君庭",
]
KINDS = [
    Space.Kind.DANCE_ROOM,
    Space.Kind.MEETING_ROOM,
    Space.Kind.CLASSROOM,
    Space.Kind.ACTIVITY_ROOM,
]
PURPOSES = ["广场舞排练", "业主议事", "亲子手工", "书法练习", "读书会", "街坊会例会", "瑜伽"]
TITLES = ["短视频夜校", "电商直播课", "亲子手工坊", "长者生日会", "心理健康讲座", "职工技能培训"]


NULL = r"\N"


def copy_rows(model, objs) -> int:
    """COPY model instances into the model's table, primary keys included."""
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    count = 0
    for obj in objs:
        row = []
        for f in fields:
            # Keep given values of auto_now(_add) fields: the history has its own dates.
            value = getattr(obj, f.attname)
            if value is None:
                value = f.pre_save(obj, add=True)
            if isinstance(value, (datetime, clock, date)):
                value = value.isoformat()  # get_db_prep_save is slow at 200,000 rows
            elif value is not None and not isinstance(value, (str, int, float)):
                value = f.get_db_prep_save(value, connection)
            row.append(NULL if value is None else value)
        writer.writerow(row)
        count += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) "
            f"FROM STDIN WITH (FORMAT csv, NULL '{NULL}')",
            buffer,
        )
    return count


@contextmanager
def bare(model):
    """Drop the table's secondary indexes and exclusion constraints (and skip foreign-key
    triggers) while COPY fills it, then build them once: several times faster than keeping
    a GiST index up to date row by row."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'x'",
            [table],
        )
        exclusions = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _ in exclusions:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            for _, definition in indexes:
                cursor.execute(definition)
            for name, definition in exclusions:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def build(log=print) -> None:
    rng = random.Random(6)
    now = timezone.now()
    today = local_today()
    User = get_user_model()
    password = make_password("bench")

    def at(day, hour):
        return datetime.combine(day, clock(hour), tzinfo=LOCAL_TZ)

    # People -----------------------------------------------------------------------------
    users, uid = [], 0

    def person(username, **extra):
        nonlocal uid
        uid += 1
        users.append(
            User(
                id=uid,
                username=username,
                email=f"{username}@bench.example",
                password=password,
                date_joined=now,
                **extra,
            )
        )
        return uid

    person("benchadmin", is_staff=True, is_superuser=True)
    staff_ids = [person(f"staff{i:02d}", is_staff=True) for i in range(STAFF)]
    officer_ids = [person(f"officer{i:02d}") for i in range(OFFICERS)]
    resident_ids = [person(f"resident{i:05d}") for i in range(RESIDENTS)]
    wrk_ids = [[person(f"wrk{c:02d}_{i:02d}") for i in range(POOL)] for c in range(CLIENTS)]
    for c in range(CLIENTS):  # pgbench's residents: the same booking, in SQL
        for i in range(POOL):
            person(f"pgb{c:02d}_{i:02d}")
    copy_rows(User, users)
    tokens = [
        Token(key=hashlib.sha1(f"bench-token-{u}".encode()).hexdigest(), user_id=u, created=now)
        for group in wrk_ids
        for u in group
    ]
    copy_rows(Token, tokens)
    log(f"  {len(users)} users, {len(tokens)} API tokens")

    # Rooms ------------------------------------------------------------------------------
    compounds = [
        Compound(id=i + 1, name=name, position=i)
        for i, name in enumerate(
            REAL_COMPOUNDS + [f"基准小区{i:02d}" for i in range(COMPOUNDS - len(REAL_COMPOUNDS))]
        )
    ]
    copy_rows(Compound, compounds)
    spaces, hours, windows, closures = [], [], [], []
    for i in range(ROOMS):
        walk_in = i % (ROOMS // WALK_IN_ROOMS) == 0
        spaces.append(
            Space(
                id=i + 1,
                compound_id=compounds[i % COMPOUNDS].id,
                name=f"{'阅览室' if walk_in else '活动室'}{i:03d}",
                kind=Space.Kind.READING_ROOM if walk_in else KINDS[i % len(KINDS)],
                access_mode=Space.AccessMode.WALK_IN if walk_in else Space.AccessMode.BOOKABLE,
                capacity=40,
                description="基准数据",
                requires_approval=i % 5 != 0,
                bookable_days_ahead=120,
                min_notice_minutes=60,
            )
        )
        for weekday in range(7):
            hours.append(
                OpeningHours(
                    id=len(hours) + 1,
                    space_id=i + 1,
                    weekday=weekday,
                    opens=clock(OPENS),
                    closes=clock(CLOSES),
                )
            )
        if not walk_in and i % 10 == 3:
            windows.append(
                PartnerWindow(
                    id=len(windows) + 1,
                    space_id=i + 1,
                    weekday=5,
                    opens=clock(14),
                    closes=clock(17),
                    holder="青少宫",
                )
            )
        if not walk_in and i % 20 == 7:
            start = at(today + timedelta(days=10 + i % 30), OPENS)
            closures.append(
                Closure(
                    id=len(closures) + 1,
                    space_id=i + 1,
                    start=start,
                    end=start + timedelta(days=1),
                    reason="设备维修",
                )
            )
    copy_rows(Space, spaces)
    copy_rows(OpeningHours, hours)
    copy_rows(PartnerWindow, windows)
    copy_rows(Closure, closures)
    bookable = [s for s in spaces if s.access_mode == Space.AccessMode.BOOKABLE]
    log(f"  {len(compounds)} compounds, {len(spaces)} rooms ({len(bookable)} bookable)")

    # A year of bookings: DAYS_PAST days behind, DAYS_FUTURE ahead ------------------------
    bookings = []
    per_day = [0, 1, 2, 3, 4]
    weights = [0.08, 0.15, 0.3, 0.27, 0.2]  # 2.36 tries a room-day; some don't fit
    for space in bookable:
        for offset in range(-DAYS_PAST, DAYS_FUTURE):
            day = today + timedelta(days=offset)
            free = [True] * (CLOSES - OPENS)
            for _ in range(rng.choices(per_day, weights)[0]):
                length = rng.choice((1, 1, 2, 2, 3))
                first = rng.randrange(0, CLOSES - OPENS - length + 1)
                if not all(free[first : first + length]):
                    continue
                free[first : first + length] = [False] * length
                start = at(day, OPENS + first)
                if offset < 0:
                    status = rng.choices(
                        ["approved", "cancelled", "rejected", "pending"], [80, 10, 5, 5]
                    )[0]
                else:
                    status = rng.choices(["approved", "pending", "cancelled"], [55, 35, 10])[0]
                decided = status != "pending"
                bookings.append(
                    Booking(
                        id=len(bookings) + 1,
                        space_id=space.id,
                        booked_by_id=rng.choice(resident_ids),
                        purpose=rng.choice(PURPOSES),
                        attendees=rng.randint(2, 30),
                        start=start,
                        end=start + timedelta(hours=length),
                        status=status,
                        reason="时间冲突" if status in ("cancelled", "rejected") else "",
                        decided_by_id=rng.choice(staff_ids) if decided else None,
                        decided_at=start - timedelta(days=2) if decided else None,
                        created_at=start - timedelta(days=3),
                    )
                )

    # Activities hold some of the approved bookings ------------------------------------
    categories = [ServiceCategory(id=i + 1, name=n, position=i) for i, n in enumerate(TITLES)]
    copy_rows(ServiceCategory, categories)
    organisers = [
        Organiser(id=i + 1, name=f"基准部门{i:02d}", kind=Organiser.Kind.DEPARTMENT)
        for i in range(10)
    ]
    copy_rows(Organiser, organisers)
    copy_rows(
        Department,
        [
            Department(id=o.id, organiser_id=o.id, kind=Department.Kind.OTHER, brand="基准")
            for o in organisers
        ],
    )
    Members = Organiser.members.through
    copy_rows(
        Members,
        [
            Members(id=i + 1, organiser_id=organisers[i % 10].id, user_id=officer)
            for i, officer in enumerate(officer_ids)
        ],
    )
    approved = [b for b in bookings if b.status == "approved"]
    past = [b for b in approved if b.start < now]
    upcoming = [b for b in approved if b.start > now + timedelta(days=1)]
    held = rng.sample(past, ACTIVITIES - FUTURE_ACTIVITIES) + rng.sample(
        upcoming, FUTURE_ACTIVITIES
    )
    activities = []
    for i, booking in enumerate(held):
        organiser = organisers[i % 10]
        officer = officer_ids[organiser.id - 1]
        title = f"{TITLES[i % len(TITLES)]}第{i}期"
        booking.for_activity = True
        booking.booked_by_id = officer
        booking.decided_by_id = officer
        booking.purpose = title
        activities.append(
            Activity(
                id=i + 1,
                organiser_id=organiser.id,
                title=title,
                category_id=categories[i % len(categories)].id,
                description="基准活动",
                space_id=booking.space_id,
                booking_id=booking.id,
                start=booking.start,
                end=booking.end,
                capacity=40,
                status=Activity.Status.FINISHED
                if booking.start < now
                else Activity.Status.PUBLISHED,
                share_code=f"bench{i:05d}",
                created_by_id=officer,
                created_at=booking.created_at,
            )
        )
    with bare(Booking):
        copy_rows(Booking, bookings)
    copy_rows(Activity, activities)
    log(f"  {len(bookings)} bookings, {len(activities)} activities")

    # Registrations ----------------------------------------------------------------------
    registrations = []
    per_activity = REGISTRATIONS // ACTIVITIES
    for activity in activities:
        for position, resident in enumerate(rng.sample(resident_ids, per_activity), 1):
            status = rng.choices(["confirmed", "cancelled"], [92, 8])[0]
            registrations.append(
                Registration(
                    id=len(registrations) + 1,
                    activity_id=activity.id,
                    resident_id=resident,
                    party_size=1,
                    status=status,
                    position=position,
                    attended_count=1
                    if activity.status == Activity.Status.FINISHED and status == "confirmed"
                    else None,
                    checkin_token=hashlib.md5(f"r{len(registrations)}".encode()).hexdigest(),
                    created_at=activity.start - timedelta(days=5),
                    updated_at=activity.start - timedelta(days=5),
                )
            )
    with bare(Registration):
        copy_rows(Registration, registrations)
    log(f"  {len(registrations)} registrations")

    models = [
        User,
        Compound,
        Space,
        OpeningHours,
        PartnerWindow,
        Closure,
        Booking,
        ServiceCategory,
        Organiser,
        Department,
        Members,
        Activity,
        Registration,
    ]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
