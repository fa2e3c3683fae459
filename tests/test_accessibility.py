"""axe-core in real Chromium over the main pages of residents, organisers and staff, in
Chinese and in English: no violation of impact "critical" or "serious".

To check a new page, add a line to PAGES: (name, url, who). `url` is a path, or a function of
the seeded community (`Community`) when the page needs an id. `who` is one of PEOPLE.

The demo community (seed_demo) is loaded once for the module and served by a live server of
the module's own (pytest-django's live_server would flush the database after every test, so
each page would have to seed again); every person signs in once, in one browser. At the end
the module prints each page's violation counts by impact, for the release note; with
AXE_REPORT=<file> it also writes them as JSON.
"""

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.urls import reverse

from lixiong.timeutil import local_today

CHROMIUM = "/usr/bin/chromium"
AXE_FILE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
# As axe-core's own sri-history.json lists it (tests/vendor/axe-core/README.md).
AXE_SHA256 = "KTSJmUUM3yhJqOcLeRL8LahahJ2jnA0NU5T1HUqe2Vw="
FAILING_IMPACTS = {"critical", "serious"}
LANGUAGES = ["zh-hans", "en"]
PHONE = {"width": 390, "height": 844}

# Demo logins (seed_spaces / seed_programs). None: not signed in.
PEOPLE = {
    "anonymous": None,
    "resident": ("ahua", "lixiong-demo"),
    "organiser": ("officer_youth", "lixiong-demo"),
    "staff": ("staff", "lixiong-staff"),
    "partner": ("partner_qsg", "lixiong-demo"),
}


@dataclass
class Community:
    """Ids of the seeded objects the pages need."""

    bookable_room: int
    walk_in_room: int
    activity: int
    organiser_activity: int
    series: int
    compound: int
    booking: int
    registration: int  # the resident's own, to leave (the confirmation page)
    closure_room: int
    closure: int  # over the pending booking: the closure page lists it
    partner: int
    application: int


PAGES = [
    # residents
    ("home", "/", "anonymous"),
    ("home_signed_in", "/", "resident"),
    ("room_bookable", lambda c: reverse("space_detail", args=[c.bookable_room]), "resident"),
    ("room_walk_in", lambda c: reverse("space_detail", args=[c.walk_in_room]), "anonymous"),
    ("booking_form", lambda c: reverse("booking_new", args=[c.bookable_room]), "resident"),
    ("my_bookings", "/bookings/", "resident"),
    ("activity_list", "/activities/", "anonymous"),
    ("activity_detail", lambda c: reverse("activity_detail", args=[c.activity]), "resident"),
    ("my_activities", "/me/activities/", "resident"),
    ("profile", "/me/profile/", "resident"),
    ("compound", lambda c: reverse("compound_detail", args=[c.compound]), "anonymous"),
    (
        "free_rooms_results",
        lambda c: reverse("free_rooms")
        + f"?date={local_today() + timedelta(days=1):%Y-%m-%d}&start=19:00&minutes=90&attendees=8",
        "resident",
    ),
    (
        "registration_cancel_confirm",
        lambda c: reverse("registration_act", args=[c.registration, "cancel"]),
        "resident",
    ),
    ("partner_list", "/partners/", "anonymous"),
    ("partner_page", lambda c: reverse("partner_detail", args=[c.partner]), "anonymous"),
    ("partner_apply", "/partners/apply/", "resident"),
    # signing in
    ("login", "/accounts/login/", "anonymous"),
    ("signup", "/accounts/signup/", "anonymous"),
    ("password_reset", "/accounts/password/reset/", "anonymous"),
    # organisers
    ("organiser_dashboard", "/organiser/", "organiser"),
    ("organiser_activity_new", "/organiser/activities/new/", "organiser"),
    (
        "organiser_activity_edit",
        lambda c: reverse("organiser_activity_edit", args=[c.organiser_activity]),
        "organiser",
    ),
    ("organiser_series_new", "/organiser/series/new/", "organiser"),
    (
        "organiser_series_detail",
        lambda c: reverse("organiser_series_detail", args=[c.series]),
        "organiser",
    ),
    (
        "organiser_series_edit",
        lambda c: reverse("organiser_series_edit", args=[c.series]),
        "organiser",
    ),
    (
        "organiser_roster",
        lambda c: reverse("organiser_roster", args=[c.organiser_activity]),
        "organiser",
    ),
    # partners
    ("partner_portal", "/partner/", "partner"),
    ("partner_class_new", "/partner/classes/new/", "partner"),
    ("partner_revenue", "/partner/revenue/", "partner"),
    # staff
    ("staff_fund", "/staff/fund/", "staff"),
    (
        "admin_application_change",
        lambda c: reverse("admin:partners_application_change", args=[c.application]),
        "staff",
    ),
    ("staff_day_board", "/staff/day/", "staff"),
    ("admin_index", "/admin/", "staff"),
    (
        "admin_room_calendar",
        lambda c: reverse("admin:spaces_space_calendar", args=[c.bookable_room]),
        "staff",
    ),
    (
        "admin_closure_bookings",
        lambda c: reverse("admin:spaces_space_closure_bookings", args=[c.closure_room])
        + f"?closures={c.closure}",
        "staff",
    ),
    ("admin_bookings", "/admin/spaces/booking/", "staff"),
    ("admin_pending", "/admin/spaces/pendingbooking/", "staff"),
    (
        "admin_space_change",
        lambda c: reverse("admin:spaces_space_change", args=[c.bookable_room]),
        "staff",
    ),
    (
        "admin_booking_change",
        lambda c: reverse("admin:spaces_booking_change", args=[c.booking]),
        "staff",
    ),
    (
        "admin_compound_change",
        lambda c: reverse("admin:spaces_compound_change", args=[c.compound]),
        "staff",
    ),
    (
        "admin_activity_change",
        lambda c: reverse("admin:programs_activity_change", args=[c.activity]),
        "staff",
    ),
]

pytestmark = [
    pytest.mark.browser,
    # The pages do not write, but the mark makes pytest-django set up the test database even
    # when this module runs alone (without it the seed would go into the real database).
    pytest.mark.django_db,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]

# name -> language -> {impact: count of violated rules}, printed at the end of the module.
SUMMARY: dict[str, dict[str, dict[str, int]]] = {}


def _axe_source() -> str:
    data = AXE_FILE.read_bytes()
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert digest == AXE_SHA256, f"{AXE_FILE} is not axe-core {AXE_VERSION} as vendored"
    return data.decode()


@pytest.fixture(scope="module")
def community(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo community in the test database, with a live server over it, for the module;
    the database is emptied again afterwards, as a transactional test leaves it."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings
    from django.test.testcases import LiveServerThread

    from lixiong.celery import app
    from partners.models import Application, Partner
    from programs.models import Activity, Registration, Series
    from spaces.models import Booking, Closure, Compound, Space

    app.conf.task_always_eager = True
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        CELERY_TASK_ALWAYS_EAGER=True,
        PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private-media"),  # the seed's licence PDF
    )
    with django_db_blocker.unblock(), fast:
        # It is flushed at the end: never the database of a developer or of the community.
        assert connection.settings_dict["NAME"].startswith("test_"), connection.settings_dict
        call_command("seed_demo", stdout=StringIO())
        pending = Booking.objects.filter(status=Booking.Status.PENDING).order_by("pk").first()
        closure = Closure.objects.create(
            space=pending.space, start=pending.start, end=pending.end, reason="设备检修"
        )
        officer_activity = Activity.objects.filter(
            organiser__members__username=PEOPLE["organiser"][0]
        ).first()
        data = Community(
            bookable_room=Space.objects.filter(access_mode=Space.AccessMode.BOOKABLE)
            .order_by("pk")
            .first()
            .pk,
            walk_in_room=Space.objects.filter(access_mode=Space.AccessMode.WALK_IN)
            .order_by("pk")
            .first()
            .pk,
            activity=Activity.objects.filter(status=Activity.Status.PUBLISHED)
            .order_by("start")
            .first()
            .pk,
            organiser_activity=officer_activity.pk,
            series=Series.objects.filter(organiser=officer_activity.organiser).first().pk,
            compound=Compound.objects.order_by("pk").first().pk,
            booking=pending.pk,
            registration=Registration.objects.filter(
                resident__username=PEOPLE["resident"][0],
                status__in=Registration.ACTIVE_STATUSES,
            )
            .order_by("pk")
            .first()
            .pk,
            closure_room=closure.space_id,
            closure=closure.pk,
            partner=Partner.objects.order_by("pk").first().pk,
            application=Application.objects.order_by("pk").first().pk,
        )
        server = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override={})
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            yield f"http://127.0.0.1:{server.port}", data
        finally:
            server.terminate()
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def browser(community, request):
    """One Chromium for the module."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()
        # While Playwright's event loop runs, asgiref keeps Django's connections apart from
        # the thread's own (pytest-django's per-test transactions opened one there): close
        # it, or the test database cannot be dropped at the end of the session.
        from django.db import connections

        connections.close_all()
    _print_summary(request.config)


@pytest.fixture(scope="module")
def signed_in(community, browser):
    """A browser context per person, signed in once. Returns person -> context."""
    base, _ = community
    contexts = {}
    for who, login in PEOPLE.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        if login:
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=login]", login[0])
            page.fill("input[name=password]", login[1])
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
            assert page.url == f"{base}/", f"{login[0]} could not sign in: {page.url}"
            page.close()
        contexts[who] = context
    return contexts


def _print_summary(config) -> None:
    if not SUMMARY:
        return
    impacts = ["critical", "serious", "moderate", "minor"]
    title = f"axe-core {AXE_VERSION}: violated rules per page (critical/serious/moderate/minor)"
    lines = ["", title]
    for name, by_language in SUMMARY.items():
        cells = [
            f"{language} " + "/".join(str(counts.get(impact, 0)) for impact in impacts)
            for language, counts in by_language.items()
        ]
        lines.append(f"  {name:<26} " + "   ".join(cells))
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        # Past pytest's output capture, so it shows in a plain `make test` run too.
        with capture.global_and_fixture_disabled():
            reporter.write_line("\n".join(lines))
    if os.environ.get("AXE_REPORT"):
        Path(os.environ["AXE_REPORT"]).write_text(json.dumps(SUMMARY, indent=2))


def _run_axe(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def _check(community, signed_in, name, url, who, language, phone=False):
    base, data = community
    context = signed_in[who]
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    path = url(data) if callable(url) else url
    page = context.new_page()
    try:
        if phone:
            page.set_viewport_size(PHONE)
        response = page.goto(base + path)
        assert response.status == 200, f"{path} answered {response.status}"
        # The page is the one asked for, in the language asked for (not a login redirect).
        assert page.url.split("?")[0] == base + path.split("?")[0]
        assert page.get_attribute("html", "lang") == language
        violations = _run_axe(page)
    finally:
        page.close()
    counts: dict[str, int] = {}
    for violation in violations:
        counts[violation["impact"]] = counts.get(violation["impact"], 0) + 1
    SUMMARY.setdefault(name, {})[f"{language} phone" if phone else language] = counts
    serious = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    report = "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']} ({v['helpUrl']})\n"
        + "\n".join(f"    {node['target']}: {node['failureSummary']}" for node in v["nodes"][:8])
        for v in serious
    )
    where = f"{language}{', phone' if phone else ''}, {who}"
    assert not serious, f"{path} ({where}):\n{report}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "url", "who"), PAGES, ids=[page[0] for page in PAGES])
def test_a_main_page_has_no_critical_or_serious_accessibility_violation(
    community, signed_in, name, url, who, language
):
    _check(community, signed_in, name, url, who, language)


# Residents use a phone: their pages once more at 390 px (phone layouts have CSS of their
# own), in Chinese, as most residents read them.
RESIDENT_PAGES = [page for page in PAGES if page[2] in ("anonymous", "resident")]


@pytest.mark.parametrize(
    ("name", "url", "who"), RESIDENT_PAGES, ids=[page[0] for page in RESIDENT_PAGES]
)
def test_a_residents_page_on_a_phone_has_no_critical_or_serious_accessibility_violation(
    community, signed_in, name, url, who
):
    _check(community, signed_in, name, url, who, "zh-hans", phone=True)


def _focused(page, script: str):
    return page.evaluate(f"() => {{ const el = document.activeElement; return {script}; }}")


def test_by_keyboard_alone_a_resident_skips_to_the_form_and_signs_in(community, browser):
    base, _ = community
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{base}/accounts/login/")

        # The first Tab shows the skip link, on screen and outlined.
        page.keyboard.press("Tab")
        assert _focused(page, "el.classList.contains('skip')")
        box = page.locator("a.skip").bounding_box()
        assert box["x"] >= 0 and box["y"] >= 0
        assert _focused(page, "getComputedStyle(el).outlineStyle") != "none"
        # It leads past the navigation: the next Tab is in the form.
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert _focused(page, "el.name") == "login"

        page.keyboard.type(PEOPLE["resident"][0])
        page.keyboard.press("Tab")
        assert _focused(page, "el.name") == "password"
        assert _focused(page, "getComputedStyle(el).outlineStyle") != "none"
        page.keyboard.type(PEOPLE["resident"][1])
        page.keyboard.press("Tab")  # the "forgot your password?" link
        assert _focused(page, "el.getAttribute('href')") == "/accounts/password/reset/"
        page.keyboard.press("Tab")
        assert _focused(page, "el.name") == "remember"
        page.keyboard.press("Space")
        assert page.is_checked("input[name=remember]")
        page.keyboard.press("Tab")
        assert _focused(page, "el.type") == "submit"
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/")
        assert "欢迎" in page.inner_text(".messages")
    finally:
        context.close()
