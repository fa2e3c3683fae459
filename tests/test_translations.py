"""Chinese by default, English complete: catalogues are full, compiled, and no English page
shows a Chinese string that forgot to go through gettext."""

import re
from datetime import time
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from conftest import at, make_user
from spaces.models import Compound, OpeningHours, PartnerWindow, Space
from spaces.services import booking_create

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUES = ["zh_Hans", "en"]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\{\s*\w+\s*\}\}")


@pytest.mark.parametrize("language", CATALOGUES)
def test_every_string_of_the_catalogue_is_translated(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES/django.po"))
    assert len(po) > 100
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


@pytest.mark.parametrize("language", CATALOGUES)
def test_the_committed_mo_file_matches_its_catalogue(language):
    folder = LOCALE / language / "LC_MESSAGES"
    po, mo = polib.pofile(str(folder / "django.po")), polib.mofile(str(folder / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural) for e in mo}
    stale = [
        e.msgid
        for e in po.translated_entries()
        if compiled.get((e.msgctxt, e.msgid)) != (e.msgstr or e.msgstr_plural)
    ]
    assert stale == [], "run `make messages` and commit the .mo files"


def test_english_keeps_every_placeholder():
    po = polib.pofile(str(LOCALE / "en/LC_MESSAGES/django.po"))
    for entry in po.translated_entries():
        translation = entry.msgstr or entry.msgstr_plural[0]
        assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(
            PLACEHOLDER.findall(translation)
        ), entry.msgid


@pytest.fixture
def english_community(db):
    """The same kind of community, with English data, so any Chinese left on an English page
    comes from the interface, not from the data."""
    compound = Compound.objects.create(name="Green Garden", brand="Youth palace")
    dance = Space.objects.create(
        compound=compound,
        name="Dance room",
        kind=Space.Kind.DANCE_ROOM,
        capacity=20,
        equipment="Mirror\nSpeakers",
        description="Sprung floor",
    )
    reading = Space.objects.create(
        compound=compound,
        name="Reading room",
        kind=Space.Kind.READING_ROOM,
        access_mode=Space.AccessMode.WALK_IN,
        capacity=30,
    )
    for weekday in range(7):
        for space in (dance, reading):
            OpeningHours.objects.create(
                space=space, weekday=weekday, opens=time(8), closes=time(21)
            )
    PartnerWindow.objects.create(
        space=dance, weekday=2, opens=time(18), closes=time(20), holder="Agency"
    )
    return dance, reading


def _chinese_left(html: str) -> list[str]:
    html = html.replace("简体中文", "")  # a language's own name, shown in itself on purpose
    html = re.sub(r"<script.*?</script>|<svg.*?</svg>", "", html, flags=re.S)
    # Chinese on purpose: an element marked as Chinese (the door poster's Chinese lines).
    html = re.sub(r'<(\w+)[^>]*\blang="zh-Hans"[^>]*>.*?</\1>', "", html, flags=re.S)
    return CJK.findall(html)


def test_every_resident_page_is_complete_in_english(client, frozen, english_community):
    dance, reading = english_community
    resident = make_user("ahua")
    booking = booking_create(
        space=dance,
        booked_by=resident,
        start=at(1, 9),
        end=at(1, 10),
        purpose="Rehearsal",
        attendees=3,
    )
    client.cookies["django_language"] = "en"
    anonymous_pages = [
        "/",
        reverse("space_detail", args=[dance.pk]),
        reverse("space_detail", args=[reading.pk]),
        reverse("space_qr", args=[reading.pk]),
        reverse("account_login"),
        reverse("account_signup"),
        "/no-such-page/",
    ]
    resident_pages = [
        reverse("booking_new", args=[dance.pk]),
        reverse("my_bookings"),
        reverse("booking_cancel", args=[booking.pk]),
        reverse("profile"),
        reverse("space_checkin", args=[reading.pk]),
    ]
    for url in anonymous_pages:
        assert _chinese_left(client.get(url).content.decode()) == [], url
    client.force_login(resident)
    for url in resident_pages:
        assert _chinese_left(client.get(url).content.decode()) == [], url
    refused = client.post(
        reverse("booking_new", args=[dance.pk]),
        {"start": "2026-12-02T19:00", "duration": 60, "attendees": 3, "purpose": "x"},
    )
    assert "partner" in refused.content.decode().lower()
    assert _chinese_left(refused.content.decode()) == []


def test_the_staff_admin_is_complete_in_english(client, frozen, english_community):
    from spaces.models import Closure

    dance, _ = english_community
    request = booking_create(
        space=dance,
        booked_by=make_user("ahua"),
        start=at(1, 9),
        end=at(1, 10),
        purpose="Rehearsal",
        attendees=3,
    )
    closure = Closure.objects.create(space=dance, start=at(1, 8), end=at(1, 12), reason="Repairs")
    client.force_login(make_user("staff", staff=True))
    client.cookies["django_language"] = "en"
    for url in [
        reverse("admin:index"),
        reverse("admin:spaces_booking_changelist"),
        reverse("admin:spaces_pendingbooking_changelist"),
        reverse("admin:spaces_pendingbooking_change", args=[request.pk]),
        reverse("admin:spaces_space_change", args=[dance.pk]),
        reverse("admin:spaces_space_calendar", args=[dance.pk]),
        reverse("admin:spaces_space_closure_bookings", args=[dance.pk]) + f"?closures={closure.pk}",
        reverse("admin:spaces_visit_changelist"),
        reverse("admin:residents_profile_changelist"),
    ]:
        assert _chinese_left(client.get(url).content.decode()) == [], url


def test_chinese_is_the_default_language(client, db):
    page = client.get("/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "沥雄社区服务阵地" in page


def test_the_activity_and_organiser_pages_are_complete_in_english(
    client, frozen, english_community
):
    from programs.models import Department, Organiser, ServiceCategory
    from programs.services import activity_create, registration_create, series_create

    dance, _ = english_community
    officer = make_user("officer")
    organiser = Organiser.objects.create(name="Women's Federation", kind="department")
    organiser.members.add(officer)
    Department.objects.create(organiser=organiser, kind="womens_federation", brand="Warm Home")
    activity = activity_create(
        organiser=organiser,
        by=officer,
        space=dance,
        start=at(1, 9),
        end=at(1, 11),
        title="Paper cutting",
        category=ServiceCategory.objects.create(name="Parent-child"),
        description="Bring scissors",
        capacity=2,
        max_party_size=2,
    )
    series = series_create(
        organiser=organiser,
        by=officer,
        title="Evening yoga",
        space=dance,
        weekdays=[4],
        first_date=at(0, 0).date(),
        last_date=at(14, 0).date(),
        starts_at=time(19),
        ends_at=time(20),
        category=activity.category,
        capacity=10,
    )[0]
    resident, waiting = make_user("ahua"), make_user("xiaomei")
    seat = registration_create(activity=activity, resident=resident, party_size=2)
    registration_create(activity=activity, resident=waiting)
    client.cookies["django_language"] = "en"
    pages = {
        waiting: [
            reverse("activity_list"),
            reverse("activity_detail", args=[activity.pk]),
            reverse("my_activities"),
        ],
        resident: [reverse("registration_ticket", args=[seat.pk])],
        officer: [
            reverse("organiser_dashboard"),
            reverse("organiser_activity_new"),
            reverse("organiser_activity_edit", args=[activity.pk]),
            reverse("organiser_roster", args=[activity.pk]),
            reverse("organiser_series_new"),
            reverse("organiser_series_edit", args=[series.pk]),
            reverse("organiser_series_detail", args=[series.pk]),
            reverse("organiser_activity_cancel", args=[activity.pk]),
            reverse("organiser_check_in", args=[seat.checkin_token]),
        ],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert _chinese_left(response.content.decode()) == [], url


def test_the_chinese_catalogue_translates_every_string_to_itself():
    # Source strings are Chinese; a fuzzy guess kept by makemessages would show wrong text.
    # The exception: Django's own (English) messages its zh_Hans catalogue lacks.
    from lixiong.django_messages import ZH_HANS

    po = polib.pofile(str(LOCALE / "zh_Hans/LC_MESSAGES/django.po"))
    expected = {e.msgid: ZH_HANS.get(e.msgid, e.msgid) for e in po}
    assert [e.msgid for e in po if (e.msgstr or e.msgstr_plural.get(0)) != expected[e.msgid]] == []
