"""Booking benchmark: `make bench`. Prints figures; asserts nothing.

Runs against a throwaway test database on the configured DATABASE_URL (PostgreSQL under
`make bench`), so it never touches real data.
"""

import os
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lixiong.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from lixiong.celery import app  # noqa: E402
from lixiong.timeutil import LOCAL_TZ, local_today  # noqa: E402
from spaces.errors import BookingError  # noqa: E402
from spaces.models import Compound, OpeningHours, Space  # noqa: E402
from spaces.services import booking_create  # noqa: E402

ROOMS = 10
DAYS = 10
THREADS = 8


def main() -> None:
    setup_test_environment()
    app.conf.task_always_eager = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LIXIONG_MAX_ACTIVE_BOOKINGS = 10**6
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def rooms() -> list[Space]:
    compound = Compound.objects.create(name="基准小区")
    spaces = []
    for i in range(ROOMS):
        space = Space.objects.create(
            compound=compound,
            name=f"舞蹈室{i}",
            kind=Space.Kind.DANCE_ROOM,
            capacity=30,
            bookable_days_ahead=30,
            min_notice_minutes=0,
            requires_approval=True,
        )
        OpeningHours.objects.bulk_create(
            OpeningHours(space=space, weekday=d, opens=clock(8), closes=clock(22)) for d in range(7)
        )
        spaces.append(space)
    return spaces


def slots(space: Space):
    first = local_today() + timedelta(days=1)
    for d in range(DAYS):
        for hour in range(8, 22):
            start = datetime.combine(first + timedelta(days=d), clock(hour), tzinfo=LOCAL_TZ)
            yield space, start, start + timedelta(hours=1)


def run() -> None:
    print(f"database: {connection.vendor}; rooms: {ROOMS}; days: {DAYS}; threads: {THREADS}")
    spaces = rooms()
    users = [
        get_user_model().objects.create_user(f"bench{i}", f"bench{i}@example.com", "x")
        for i in range(THREADS)
    ]

    # 1. Sequential bookings through the service (lock, checks, insert, on_commit).
    work = [s for space in spaces[:5] for s in slots(space)]
    started = time.perf_counter()
    for space, start, end in work:
        booking_create(
            space=space, booked_by=users[0], start=start, end=end, purpose="b", attendees=2
        )
    elapsed = time.perf_counter() - started
    print(
        f"sequential booking_create: {len(work)} bookings in {elapsed:.2f}s "
        f"= {len(work) / elapsed:.0f}/s ({elapsed / len(work) * 1000:.2f} ms each)"
    )

    # 2. Contention: THREADS residents try every slot of the other 5 rooms at once.
    contested = [s for space in spaces[5:] for s in slots(space)]
    outcomes = {"booked": 0, "slot_taken": 0}
    lock = threading.Lock()

    def worker(user):
        for space, start, end in contested:
            try:
                booking_create(
                    space=space.pk, booked_by=user, start=start, end=end, purpose="b", attendees=2
                )
                outcome = "booked"
            except BookingError as error:
                outcome = error.code
            with lock:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        connections.close_all()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    attempts = len(contested) * THREADS
    print(
        f"contended booking_create: {attempts} attempts on {len(contested)} slots by "
        f"{THREADS} threads in {elapsed:.2f}s = {attempts / elapsed:.0f} attempts/s; "
        f"booked {outcomes['booked']} (must equal {len(contested)}), "
        f"slot_taken {outcomes['slot_taken']}"
    )

    # 3. Pages and the availability API: median latency and query counts.
    client = Client()
    space = spaces[0]
    for label, url in [
        ("home page", "/"),
        ("space week page", f"/spaces/{space.pk}/"),
        ("availability API, 31 days", f"/api/v1/spaces/{space.pk}/availability/?days=31"),
        ("spaces API", "/api/v1/spaces/"),
    ]:
        timings = []
        for _ in range(30):
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        print(
            f"{label}: HTTP {response.status_code}, median {statistics.median(timings) * 1000:.1f} "
            f"ms, p95 {sorted(timings)[int(len(timings) * 0.95) - 1] * 1000:.1f} ms, "
            f"{len(queries)} queries"
        )

    client.force_login(users[0])
    with CaptureQueriesContext(connection) as queries:
        client.get("/bookings/")
    print(f"my bookings page ({len(work)} bookings held): {len(queries)} queries")

    run_registrations(spaces, users)

    # 4. Why CONN_MAX_AGE: the cost of a new connection against a reused one.
    timings = []
    for _ in range(50):
        connection.close()
        started = time.perf_counter()
        connection.ensure_connection()
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(50):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    reused = (time.perf_counter() - started) / 50
    print(
        f"new database connection: median {statistics.median(timings) * 1000:.2f} ms; "
        f"query on a reused connection: {reused * 1000:.3f} ms"
    )


def run_registrations(spaces, officer_pool) -> None:
    """Sign-ups racing for the last seats: THREADS threads, each with its own residents."""
    from programs.models import Organiser, Registration, ServiceCategory
    from programs.services import activity_create, registration_create

    officer = officer_pool[0]
    organiser = Organiser.objects.create(name="基准部门", kind=Organiser.Kind.DEPARTMENT)
    organiser.members.add(officer)
    start = datetime.combine(local_today() + timedelta(days=20), clock(9), tzinfo=LOCAL_TZ)
    activity = activity_create(
        organiser=organiser,
        by=officer,
        space=spaces[0],
        start=start,
        end=start + timedelta(hours=2),
        title="基准活动",
        category=ServiceCategory.objects.create(name="基准"),
        capacity=25,
    )
    per_thread = 25
    people = [
        [
            get_user_model().objects.create_user(f"signup{t}_{i}", f"s{t}_{i}@example.com", "x")
            for i in range(per_thread)
        ]
        for t in range(THREADS)
    ]

    def worker(residents):
        for resident in residents:
            registration_create(activity=activity.pk, resident=resident)
        connections.close_all()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(group,)) for group in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    total = THREADS * per_thread
    confirmed = Registration.objects.filter(activity=activity, status="confirmed").count()
    waitlisted = Registration.objects.filter(activity=activity, status="waitlisted").count()
    print(
        f"contended registration_create: {total} sign-ups for 25 seats by {THREADS} threads in "
        f"{elapsed:.2f}s = {total / elapsed:.0f}/s; confirmed {confirmed} (must be 25), "
        f"waitlisted {waitlisted}"
    )
    client = Client()
    timings = []
    for _ in range(20):
        began = time.perf_counter()
        client.get("/activities/")
        timings.append(time.perf_counter() - began)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/activities/{activity.pk}/")
    print(
        f"activity list page: median {statistics.median(timings) * 1000:.1f} ms; "
        f"activity page: {len(queries)} queries"
    )


if __name__ == "__main__":
    main()
