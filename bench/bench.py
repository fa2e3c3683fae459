"""`make bench`: how fast booking and sign-up run against their own ceilings, at community
size, with the production stack. Prints figures; asserts nothing. Not part of `make test`.

One run:
1. builds the large community of bench/community.py on DATABASE_URL (PostgreSQL), or reuses it
   when it is already there at the same size and the schema still fits the code measured;
2. starts gunicorn (DEBUG=false, bench/server/bench_settings.py: the product's settings plus a
   trivial view) and a Celery worker on REDIS_URL, as docker-compose runs them;
3. for booking, then registration, measures over HTTP with wrk, 16 clients on loopback: the
   trivial view (the web stack's ceiling), the POST itself on distinct free slots, and the
   same work as raw SQL in pgbench at 16 clients (the database's ceiling); best of ROUNDS;
4. stops both, then times the main pages in-process (test client, query counts);
5. counts overlapping active bookings (must be 0), deletes what it booked, prints the table.

`--tree DIR` measures another checkout of the code (e.g. a `git worktree` of an older
commit) with this harness; its data is rebuilt when that code's migrations don't match.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import urlopen

from workload import ACTIVE, CLIENTS, prepare_booking_load, prepare_registration_load

HERE = Path(__file__).resolve().parent
SERVER = HERE / "server"
SECONDS = 15
ROUNDS = 2
GUNICORN_WORKERS = 3  # as the Dockerfile and docker-compose run it
STALE_AFTER_DAYS = 3  # the data's "future" shrinks daily; rebuild after this many days


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", default=str(HERE.parent), help="checkout to measure")
    parser.add_argument("--seconds", type=int, default=SECONDS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the community")
    parser.add_argument(
        "--pages-only", action="store_true", help="skip the load tests: pages and queries only"
    )
    return parser.parse_args()


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the database ---------------------------------------------------------------------------


def admin_connect(url: str):
    import psycopg2

    parsed = urlparse(url)
    conn = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    conn.autocommit = True
    return conn, parsed.path.lstrip("/")


def create_database(url: str, drop: bool = False) -> None:
    conn, name = admin_connect(url)
    with conn.cursor() as cursor:
        if drop:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def prepare_data(url: str, rebuild: bool) -> None:
    """Reuse the community when it has the same shape and its schema is the code's;
    otherwise build it from scratch."""
    import community
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    reason = "asked to" if rebuild else None
    if reason is None:
        loader = MigrationLoader(connection)
        unknown = set(loader.applied_migrations) - set(loader.disk_migrations)
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_meta')")
            meta = None
            if cursor.fetchone()[0]:
                cursor.execute("SELECT shape, built_on FROM bench_meta")
                meta = cursor.fetchone()
        if meta is None:
            reason = "no community yet"
        elif meta[0] != community.SHAPE:
            reason = "its size changed"
        elif (date.today() - meta[1]).days > STALE_AFTER_DAYS:
            reason = "it is more than a few days old"
        elif unknown:
            # Migrations of a newer checkout that this code cannot unapply.
            reason = f"its schema has migrations this code lacks ({len(unknown)})"
    if reason is None:
        say("reusing the community already built")
        call_command("migrate", verbosity=0)  # the measured code's new migrations, if any
        return
    say(f"building the community ({reason})")
    connection.close()
    create_database(url, drop=True)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    community.build(log=say)
    connection.cursor().execute("VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_meta (shape text, built_on date)")
        cursor.execute("INSERT INTO bench_meta VALUES (%s, %s)", [community.SHAPE, date.today()])
    say(f"built in {time.perf_counter() - started:.0f} s")


def referencing(table: str) -> list[tuple[str, str, str]]:
    """(table, column, referenced column) of every foreign key pointing at `table`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, r.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND c.confrelid = %s::regclass AND c.conrelid <> c.confrelid
            """,
            [table],
        )
        return cursor.fetchall()


def purge(table: str, where: str) -> int:
    """DELETE rows and whatever references them (the database has no ON DELETE CASCADE)."""
    from django.db import connection

    for ref_table, ref_column, column in referencing(table):
        purge(ref_table, f'"{ref_column}" IN (SELECT "{column}" FROM {table} WHERE {where})')
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {where}")
        return cursor.rowcount


def forget_bench_rows() -> int:
    """Delete what earlier load runs booked and signed up for: same data every run."""
    from django.db import connection, transaction

    from programs.models import Registration
    from spaces.models import Booking

    load_users = "(SELECT id FROM auth_user WHERE username LIKE 'wrk%' OR username LIKE 'pgb%')"
    with transaction.atomic():
        gone = purge(Registration._meta.db_table, f"resident_id IN {load_users}")
        gone += purge(Booking._meta.db_table, f"booked_by_id IN {load_users}")
    with connection.cursor() as cursor:
        for table in (Booking._meta.db_table, Registration._meta.db_table):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return gone


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], tree: Path, log: Path) -> subprocess.Popen:
    # Own process group: stopping it stops gunicorn's or Celery's children too.
    return subprocess.Popen(
        cmd,
        cwd=tree,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for(check, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"bench: {what} did not come up in {timeout:.0f} s")


def queue_length(redis_client) -> int:
    return redis_client.llen("celery")


def drain(redis_client, timeout: float = 300) -> float:
    """Wait until the worker has taken every queued task, so it does not eat the next
    measurement's CPU. Returns the seconds waited."""
    started = time.monotonic()
    while queue_length(redis_client) and time.monotonic() - started < timeout:
        time.sleep(0.5)
    time.sleep(1)  # the tasks it just took
    return time.monotonic() - started


def run_wrk(url: str, seconds: int, prefix: str = "") -> dict:
    cmd = [
        "wrk",
        f"-t{CLIENTS}",
        f"-c{CLIENTS}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(HERE / "load.lua"),
        url,
    ]
    if prefix:
        cmd += ["--", prefix]
    output = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^WRK_RESULT (.*)$", output, re.M)
    if match is None:
        raise SystemExit(f"bench: no result from wrk:\n{output}")
    result = json.loads(match.group(1))
    seconds_run = result["duration_us"] / 1e6
    ok = sum(n for status, n in result["status"].items() if status.startswith("2"))
    result["rate"] = ok / seconds_run
    result["failed"] = result["requests"] - ok + result["socket_errors"]
    return result


def run_pgbench(database_url: str, script: Path, seconds: int) -> dict:
    cmd = [
        "pgbench",
        "-n",
        "-M",
        "simple",  # psycopg2 sends plain queries too
        f"-c{CLIENTS}",
        "-j2",
        f"-T{seconds}",
        "-f",
        str(script),
        database_url,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    output = done.stdout + done.stderr
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    processed = re.search(r"number of transactions actually processed: (\d+)", output)
    failed = re.search(r"number of failed transactions: (\d+)", output)
    if tps is None or done.returncode != 0:
        raise SystemExit(f"bench: pgbench failed:\n{output[-3000:]}")
    return {
        "rate": float(tps.group(1)),
        "requests": int(processed.group(1)),
        "failed": int(failed.group(1)) if failed else 0,
    }


# --- pages ----------------------------------------------------------------------------------


def measure_pages(repeat: int = 9) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from programs.models import Activity
    from spaces.models import Booking

    User = get_user_model()
    admin = User.objects.get(username="benchadmin")
    resident = User.objects.get(username="resident00001")
    busiest = (
        Booking.objects.values("space_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("space_id", flat=True)
        .first()
    )
    activity = (
        Activity.objects.filter(status=Activity.Status.PUBLISHED, start__gt=timezone.now())
        .order_by("start")
        .first()
    )
    pages = [
        ("home", "/", None),
        ("space page (week of slots)", f"/spaces/{busiest}/", None),
        ("activity list", "/activities/", None),
        ("activity page", f"/activities/{activity.pk}/", resident),
        ("my bookings", "/bookings/", resident),
        ("availability API, 7 days", f"/api/v1/spaces/{busiest}/availability/?days=7", None),
        ("admin booking list", "/admin/spaces/booking/", admin),
        (
            "admin booking list, one room",
            f"/admin/spaces/booking/?space__id__exact={busiest}",
            admin,
        ),
        ("admin pending list", "/admin/spaces/pendingbooking/", admin),
        ("admin activity list", "/admin/programs/activity/", admin),
        ("admin registration list", "/admin/programs/registration/", admin),
    ]
    results = []
    for label, url, user in pages:
        client = Client()
        if user is not None:
            client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)  # also the warm-up
        count = len(queries)  # now: the next requests reset the log it reads
        timings = []
        for _ in range(repeat):
            began = time.perf_counter()
            client.get(url)
            timings.append(time.perf_counter() - began)
        results.append(
            {
                "page": label,
                "status": response.status_code,
                "queries": count,
                "median_ms": statistics.median(timings) * 1000,
            }
        )
        say(f"  {label}: {results[-1]['queries']} queries, {results[-1]['median_ms']:.1f} ms")
    return results


def measure_day_board(repeat: int = 9) -> list[dict]:
    """Issue 7: the staff's day board and the all-rooms availability API for tomorrow (a day
    with pending requests), every room of the community. Beside each, its ceiling measured in
    the same run: the same SQL statements the request ran, executed raw (median of `repeat`),
    so "server ms / SQL ms" says how much of the time is Python and templates."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from lixiong.timeutil import local_today
    from spaces.models import Booking

    admin = get_user_model().objects.get(username="benchadmin")
    tomorrow = local_today() + timedelta(days=1)
    rows = []
    for label, url, user in [
        ("day board, every room", f"/staff/day/?date={tomorrow}", admin),
        ("availability API, every room, 1 day", f"/api/v1/availability/?date={tomorrow}", None),
    ]:
        client = Client()
        if user is not None:
            client.force_login(user)
        client.get(url)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        statements = [q["sql"] for q in queries.captured_queries]
        timings, cpu_timings, sql_timings = [], [], []
        for _ in range(repeat):
            began, cpu_began = time.perf_counter(), time.process_time()
            client.get(url)
            timings.append(time.perf_counter() - began)
            cpu_timings.append(time.process_time() - cpu_began)
            began = time.perf_counter()
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    if cursor.description is not None:
                        cursor.fetchall()
            sql_timings.append(time.perf_counter() - began)
        day = Booking.objects.filter(start__date=tomorrow)
        rows.append(
            {
                "page": label,
                "status": response.status_code,
                "queries": len(statements),
                "median_ms": statistics.median(timings) * 1000,
                "cpu_ms": statistics.median(cpu_timings) * 1000,
                "sql_ms": statistics.median(sql_timings) * 1000,
                "bytes": len(response.content),
                "bookings": day.filter(status__in=ACTIVE).count(),
                "pending": day.filter(status="pending").count(),
            }
        )
        say(
            f"  {label}: {rows[-1]['queries']} queries, {rows[-1]['median_ms']:.1f} ms "
            f"(SQL {rows[-1]['sql_ms']:.1f} ms)"
        )
    return rows


def overlapping_active_bookings() -> int:
    """Active bookings that overlap an earlier active booking of the same room."""
    from django.db import connection

    from spaces.models import Booking

    active = ", ".join(f"'{s}'" for s in ACTIVE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(*) FROM (
              SELECT start, max("end") OVER (
                PARTITION BY space_id ORDER BY start, id
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_end
              FROM {Booking._meta.db_table} WHERE status IN ({active})
            ) b WHERE start < earlier_end
            """
        )
        return cursor.fetchone()[0]


# --- the report -----------------------------------------------------------------------------


def day_board_report(rows: list[dict], rooms: int) -> list[str]:
    if not rows:
        return []
    first = rows[0]
    lines = [
        f"Issue 7: one day of every room ({rooms} rooms; that day {first['bookings']} active "
        f"bookings, {first['pending']} pending), in-process, median of 9 after a warm-up",
        f"  {'page':38}{'HTTP':>5}{'queries':>9}{'median ms':>11}{'CPU ms':>8}{'SQL ms':>8}"
        f"{'KB':>6}  target",
    ]
    for row in rows:
        target = "< 100 ms, queries flat in rooms" if row["page"].startswith("day board") else ""
        lines.append(
            f"  {row['page']:38}{row['status']:5d}{row['queries']:9d}{row['median_ms']:11.1f}"
            f"{row['cpu_ms']:8.1f}{row['sql_ms']:8.1f}{row['bytes'] / 1024:6.0f}  {target}"
        )
    lines.append(
        "  CPU ms: this process's own time for the request (steadier than wall time on a busy "
        "machine); SQL ms: the same statements the request ran, executed raw (its ceiling)"
    )
    return ["", *lines]


def report(meta: dict, trios: dict, pages: list[dict], overlaps: int, board=()) -> str:
    lines = [
        f"code measured: {meta['tree']} at {meta['commit']}",
        f"community: {meta['rooms']} rooms, {meta['bookings']:,} bookings, "
        f"{meta['activities']:,} activities, {meta['registrations']:,} registrations "
        f"(PostgreSQL {meta['postgres']})",
        f"load: {CLIENTS} clients on loopback, {meta['seconds']} s a measurement, best of "
        f"{meta['rounds']}; gunicorn {GUNICORN_WORKERS} sync workers, DEBUG=false; Celery "
        f"worker on Redis; {os.cpu_count()} cores, load average at start {meta['load']}",
        "",
    ]
    for kind, label in [
        ("booking", "POST /api/v1/bookings/"),
        ("register", "POST /api/v1/activities/{id}/register/"),
    ]:
        trio = trios[kind]
        ping, post, sql = (max(trio[k], key=lambda r: r["rate"]) for k in ("ping", "post", "sql"))
        lines += [
            f"{label}",
            f"  {'':44}{'per s':>9}{'p50 ms':>9}{'failed':>8}",
            f"  {'trivial Django view (web ceiling)':44}{ping['rate']:9.1f}"
            f"{ping['p50_us'] / 1000:9.1f}{ping['failed']:8d}",
            f"  {'the POST, 2xx only':44}{post['rate']:9.1f}"
            f"{post['p50_us'] / 1000:9.1f}{post['failed']:8d}",
            f"  {'the same in SQL, pgbench (database ceiling)':44}{sql['rate']:9.1f}"
            f"{'':9}{sql['failed']:8d}",
            f"  POST / pgbench:      {post['rate'] / sql['rate']:7.1%}"
            + ("   (target >= 25%)" if kind == "booking" else ""),
            f"  POST / trivial view: {post['rate'] / ping['rate']:7.1%}",
            "  rounds (view / POST / pgbench per s): "
            + "; ".join(
                f"{a['rate']:.0f} / {b['rate']:.0f} / {c['rate']:.0f}"
                for a, b, c in zip(trio["ping"], trio["post"], trio["sql"], strict=True)
            ),
            f"  Celery queue drained {trio['drain']:.0f} s after the last POST run",
            "",
        ]
    lines += [
        "Pages, in-process (test client), median of 9 after a warm-up",
        f"  {'page':34}{'HTTP':>5}{'queries':>9}{'median ms':>11}  target",
    ]
    for page in pages:
        target = ""
        if page["page"] == "admin booking list":
            target = "< 100 ms, queries flat in rooms and rows"
        lines.append(
            f"  {page['page']:34}{page['status']:5d}{page['queries']:9d}"
            f"{page['median_ms']:11.1f}  {target}"
        )
    lines += day_board_report(list(board), meta["rooms"])
    lines += ["", f"Overlapping active bookings afterwards: {overlaps} (must be 0)"]
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    tree = Path(args.tree).resolve()
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url.startswith("redis"):
        raise SystemExit("bench: set DATABASE_URL (PostgreSQL) and REDIS_URL (make bench does)")
    workdir = Path(tempfile.mkdtemp(prefix="lixiong-bench-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "PYTHONPATH": os.pathsep.join([str(tree), str(SERVER)]),
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-" + "k" * 50,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "BENCH_STATIC_ROOT": str(workdir / "static"),
            # Each load-test resident holds dozens of bookings by the end.
            "LIXIONG_MAX_ACTIVE_BOOKINGS": "1000000",
            "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        }
    )
    sys.path[:0] = [str(tree), str(SERVER)]
    # Celery puts the working directory on sys.path: make it the measured tree.
    os.chdir(tree)
    create_database(database_url)

    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.db import connection

    from programs.models import Activity, Registration
    from spaces.models import Booking, Space

    prepare_data(database_url, args.rebuild)
    say(f"forgot {forget_bench_rows()} rows of earlier runs")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    commit = subprocess.run(
        ["git", "-C", str(tree), "log", "-1", "--format=%h %s"], capture_output=True, text=True
    ).stdout.strip()
    meta = {
        "tree": tree,
        "commit": commit[:70] + ("…" if len(commit) > 70 else ""),
        "rooms": Space.objects.count(),
        "bookings": Booking.objects.count(),
        "activities": Activity.objects.count(),
        "registrations": Registration.objects.count(),
        "postgres": postgres,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    say("collecting static files")
    call_command("collectstatic", interactive=False, verbosity=0)
    if args.pages_only:
        measure_pages()
        print("\n".join(day_board_report(measure_day_board(), meta["rooms"])))
        return
    rng = random.Random(7)
    chunks = 1 + args.rounds
    scripts = {
        "booking": prepare_booking_load(workdir, rng, chunks),
        "register": prepare_registration_load(workdir, rng, chunks),
    }
    connection.close()

    redis_client = redis.Redis.from_url(redis_url)
    redis_client.flushdb()  # the bench's own Redis database: old queues and throttles
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    python = sys.executable
    gunicorn = celery = None
    trios = {}
    try:
        celery_log = workdir / "celery.log"
        celery = start(
            [python, "-m", "celery", "-A", "lixiong", "worker", "-l", "info"],
            tree,
            celery_log,
        )
        gunicorn = start(
            [
                python,
                "-m",
                "gunicorn",
                "lixiong.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(GUNICORN_WORKERS),
            ],
            tree,
            workdir / "gunicorn.log",
        )
        wait_for(lambda: urlopen(f"{base}/bench/ping/", timeout=5).status == 200, "gunicorn")
        wait_for(lambda: "ready." in celery_log.read_text(), "the Celery worker")
        say(f"gunicorn on {base}, Celery worker up; logs in {workdir}")
        for kind in ("booking", "register"):
            trio = trios[kind] = {"ping": [], "post": [], "sql": []}
            # Warm-up: every worker imports and connects before anything is timed.
            run_wrk(base, 3)
            run_wrk(base, 3, str(workdir / f"{kind}0"))
            drain(redis_client)
            for round_ in range(1, args.rounds + 1):
                trio["ping"].append(run_wrk(base, args.seconds))
                trio["post"].append(run_wrk(base, args.seconds, str(workdir / f"{kind}{round_}")))
                trio["drain"] = drain(redis_client)
                trio["sql"].append(run_pgbench(database_url, scripts[kind], args.seconds))
                say(
                    f"{kind} round {round_}: view {trio['ping'][-1]['rate']:.0f}/s, "
                    f"POST {trio['post'][-1]['rate']:.0f}/s "
                    f"({trio['post'][-1]['failed']} failed), "
                    f"pgbench {trio['sql'][-1]['rate']:.0f}/s"
                )
    finally:
        stop(gunicorn)
        stop(celery)
    failed = any(r["failed"] for trio in trios.values() for r in trio["post"])
    if failed:
        say(f"some POSTs failed: see {workdir}/gunicorn.log")

    say("timing the pages in-process")
    pages = measure_pages()
    board = measure_day_board()
    overlaps = overlapping_active_bookings()
    say(f"forgot the {forget_bench_rows()} rows this run wrote")
    if not failed:
        shutil.rmtree(workdir)  # request files, static files and logs
    print()
    print(report(meta, trios, pages, overlaps, board))


if __name__ == "__main__":
    main()
