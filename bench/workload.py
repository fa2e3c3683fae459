"""What the load tests send: distinct free slots and (resident, activity) pairs written to
wrk's request files, and the same bookings and sign-ups as pgbench scripts over numbered work
tables. Used by bench.py after django.setup() on the measured tree."""

import csv
import io
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

CLIENTS = 16
# Requests prepared per wrk client and chunk (a warm-up chunk, then one a round): far more
# than any client can send in a measurement, so no slot is ever posted twice.
PER_CLIENT = 1500
PGBENCH_ROWS = 150_000
ACTIVE = ("pending", "approved")


def free_slots(rng) -> list[tuple[int, datetime, datetime]]:
    """One-hour slots no active booking touches, in rooms without partner windows or
    closures, from the day after tomorrow to the end of the rooms' booking window."""
    from lixiong.timeutil import LOCAL_TZ, local_today
    from spaces.models import Booking, Space

    rooms = list(
        Space.objects.filter(access_mode=Space.AccessMode.BOOKABLE, is_active=True)
        .filter(partner_windows__isnull=True, closures__isnull=True)
        .values_list("pk", "bookable_days_ahead")
    )
    first = local_today() + timedelta(days=2)
    start_of = datetime.combine(first, datetime.min.time(), tzinfo=LOCAL_TZ)
    taken = set()
    for space, start, end in (
        Booking.objects.filter(status__in=ACTIVE, end__gt=start_of)
        .values_list("space_id", "start", "end")
        .iterator()
    ):
        while start < end:
            taken.add((space, start))
            start += timedelta(hours=1)
    slots = []
    for space, days_ahead in rooms:
        for offset in range(days_ahead - 2):
            day = first + timedelta(days=offset)
            for hour in range(8, 22):
                start = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ).replace(
                    hour=hour
                )
                if (space, start) not in taken:
                    slots.append((space, start, start + timedelta(hours=1)))
    rng.shuffle(slots)
    return slots


def load_users(prefix: str) -> list[tuple[int, str | None]]:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    tokens = dict(
        Token.objects.filter(user__username__startswith=prefix).values_list("user_id", "key")
    )
    users = get_user_model().objects.filter(username__startswith=prefix).order_by("username")
    return [(pk, tokens.get(pk)) for pk in users.values_list("pk", flat=True)]


def write_wrk_files(workdir: Path, kind: str, chunks: int, lines_of) -> None:
    """<kind><chunk>-<client>.txt, PER_CLIENT lines each."""
    for client in range(CLIENTS):
        every = lines_of(client)
        for chunk in range(chunks):
            lines = every[chunk * PER_CLIENT : (chunk + 1) * PER_CLIENT]
            assert len(lines) == PER_CLIENT, f"not enough {kind} requests prepared"
            (workdir / f"{kind}{chunk}-{client}.txt").write_text("\n".join(lines) + "\n")


def sql_literal(value) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        return cursor.cursor.mogrify("%s", [value]).decode()


def insert_sql(model, values: dict[str, str]) -> str:
    """INSERT of one row of `model`: the given SQL expressions, and for every other column
    what Django would write (its default, now() for auto_now), so the script follows the
    measured code's schema."""
    from django.db import connection

    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.attname in values:
            expression = values[field.attname]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expression = "now()"
        elif field.has_default() or field.null or field.empty_strings_allowed:
            # Django's own default: the field's, else NULL or "".
            value = field.get_db_prep_save(field.get_default(), connection)
            expression = "NULL" if value is None else sql_literal(value)
        else:
            raise SystemExit(f"bench: the pgbench script has no value for {field}")
        columns.append(connection.ops.quote_name(field.column))
        expressions.append(expression)
    return (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)})\n"
        f"  VALUES ({', '.join(expressions)});"
    )


def fill_table(name: str, columns: str, rows) -> None:
    """A numbered work list for pgbench: each transaction takes the next row."""
    from django.db import connection

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows((n, *row) for n, row in enumerate(rows, 1))
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}; DROP SEQUENCE IF EXISTS {name}_seq")
        cursor.execute(f"CREATE TABLE {name} (n integer PRIMARY KEY, {columns})")
        cursor.cursor.copy_expert(f"COPY {name} FROM STDIN WITH (FORMAT csv)", buffer)
        cursor.execute(f"CREATE SEQUENCE {name}_seq")
        cursor.execute(f"ANALYZE {name}")


def prepare_booking_load(workdir: Path, rng, chunks: int) -> Path:
    from spaces.models import Booking

    slots = free_slots(rng)
    wrk_users = load_users("wrk")
    pgb_users = [pk for pk, _ in load_users("pgb")]
    needed = chunks * CLIENTS * PER_CLIENT + PGBENCH_ROWS
    if len(slots) < needed:
        raise SystemExit(f"bench: only {len(slots)} free slots for {needed} bookings")
    per_client = len(wrk_users) // CLIENTS
    http_slots, sql_slots = slots[: needed - PGBENCH_ROWS], slots[needed - PGBENCH_ROWS :]

    def lines_of(client):
        pool = wrk_users[client * per_client : (client + 1) * per_client]
        mine = http_slots[client::CLIENTS]
        return [
            "\t".join(
                [
                    pool[j % len(pool)][1],
                    "/api/v1/bookings/",
                    json.dumps(
                        {
                            "space": space,
                            "start": start.isoformat(),
                            "end": end.isoformat(),
                            "purpose": "基准预约",
                            "attendees": 4,
                        }
                    ),
                ]
            )
            for j, (space, start, end) in enumerate(mine)
        ]

    write_wrk_files(workdir, "booking", chunks, lines_of)
    fill_table(
        "bench_booking_slot",
        "space_id bigint, s bigint, e bigint, user_id bigint",
        (
            (space, int(start.timestamp()), int(end.timestamp()), pgb_users[n % len(pgb_users)])
            for n, (space, start, end) in enumerate(sql_slots)
        ),
    )
    active = ", ".join(f"'{s}'" for s in ACTIVE)
    table = Booking._meta.db_table
    script = workdir / "booking.sql"
    # What booking_create needs from the database, in its order, as plain SQL: the resident
    # and the room locked, the room's hours, partner windows and closures, the resident's
    # active bookings, the overlap check on the exclusion constraint's GiST index, insert.
    # The cast: btree_gist compares bigint with bigint only, and an integer room id turns
    # the check into a scan of the whole GiST index (20 ms instead of 0.1).
    script.write_text(
        f"""\
SELECT space_id AS sid, s, e, user_id AS uid FROM bench_booking_slot
  WHERE n = (SELECT nextval('bench_booking_slot_seq')) \\gset
BEGIN;
SELECT id FROM auth_user WHERE id = :uid FOR NO KEY UPDATE;
SELECT * FROM spaces_space WHERE id = :sid FOR NO KEY UPDATE;
SELECT weekday, opens, closes FROM spaces_openinghours WHERE space_id = :sid;
SELECT weekday, opens, closes FROM spaces_partnerwindow WHERE space_id = :sid;
SELECT id, reason FROM spaces_closure
  WHERE space_id = :sid AND start < to_timestamp(:e) AND "end" > to_timestamp(:s) LIMIT 1;
SELECT count(*) FROM {table}
  WHERE booked_by_id = :uid AND status IN ({active}) AND "end" > now();
SELECT 1 FROM {table}
  WHERE space_id = CAST(:sid AS bigint) AND status IN ({active})
    AND tstzrange(start, "end", '[)') && tstzrange(to_timestamp(:s), to_timestamp(:e), '[)')
  LIMIT 1;
{
            insert_sql(
                Booking,
                {
                    "space_id": ":sid",
                    "booked_by_id": ":uid",
                    "purpose": "'基准预约'",
                    "attendees": "4",
                    "start": "to_timestamp(:s)",
                    "end": "to_timestamp(:e)",
                    "status": "'pending'",
                },
            )
        }
COMMIT;
"""
    )
    return script


def prepare_registration_load(workdir: Path, rng, chunks: int) -> Path:
    from django.utils import timezone

    from programs.models import Activity, Registration

    activities = list(
        Activity.objects.filter(
            status=Activity.Status.PUBLISHED, start__gt=timezone.now() + timedelta(days=1)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    wrk_users = load_users("wrk")
    pgb_users = [pk for pk, _ in load_users("pgb")]
    per_client = len(wrk_users) // CLIENTS

    def lines_of(client):
        # Every (resident, activity) pair of this client's residents, shuffled: a resident
        # signs up for many activities, never twice for one.
        pool = wrk_users[client * per_client : (client + 1) * per_client]
        pairs = [(user, activity) for user in range(len(pool)) for activity in activities]
        random.Random(client).shuffle(pairs)
        return [
            f"{pool[user][1]}\t/api/v1/activities/{activity}/register/\t" + '{"party_size": 1}'
            for user, activity in pairs[: chunks * PER_CLIENT]
        ]

    write_wrk_files(workdir, "register", chunks, lines_of)
    picks = rng.sample(range(len(pgb_users) * len(activities)), PGBENCH_ROWS)
    fill_table(
        "bench_registration_pair",
        "activity_id bigint, user_id bigint",
        ((activities[p % len(activities)], pgb_users[p // len(activities)]) for p in picks),
    )
    table = Registration._meta.db_table
    script = workdir / "register.sql"
    # registration_create as plain SQL: the activity locked, the resident's live
    # registration, the seats held, anyone waiting, the next position, insert.
    script.write_text(
        f"""\
SELECT activity_id AS aid, user_id AS uid FROM bench_registration_pair
  WHERE n = (SELECT nextval('bench_registration_pair_seq')) \\gset
BEGIN;
SELECT capacity AS cap FROM programs_activity WHERE id = :aid FOR NO KEY UPDATE \\gset
SELECT 1 FROM {table}
  WHERE activity_id = :aid AND resident_id = :uid
    AND status IN ('confirmed', 'waitlisted', 'offered') LIMIT 1;
SELECT coalesce(sum(party_size), 0) AS taken FROM {table}
  WHERE activity_id = :aid
    AND (status = 'confirmed' OR (status = 'offered' AND offer_expires_at > now())) \\gset
SELECT count(*) AS waiting FROM (
  SELECT 1 FROM {table} WHERE activity_id = :aid AND status = 'waitlisted' LIMIT 1) w \\gset
SELECT coalesce(max(position), 0) + 1 AS pos FROM {table} WHERE activity_id = :aid \\gset
{
            insert_sql(
                Registration,
                {
                    "activity_id": ":aid",
                    "resident_id": ":uid",
                    "party_size": "1",
                    "status": "CASE WHEN :taken + 1 <= :cap AND :waiting = 0 "
                    "THEN 'confirmed' ELSE 'waitlisted' END",
                    "position": ":pos",
                    "checkin_token": "md5(random()::text)",
                },
            )
        }
COMMIT;
"""
    )
    return script
