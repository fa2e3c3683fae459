"""Elder-friendly mode (适老化): a switch on every page, remembered in a cookie, that puts
class="elder" on <html> (larger text, stronger contrast, bigger targets in site.css)."""

import pytest
from django.urls import reverse

from lixiong.elder import COOKIE, COOKIE_AGE

pytestmark = pytest.mark.django_db

SWITCH = "/elder-mode/"


def test_the_switch_is_on_every_page_and_off_by_default(client, resident):
    for url in ("/", reverse("activity_list"), reverse("account_login"), "/no-such-page/"):
        page = client.get(url).content.decode()
        assert f'action="{SWITCH}"' in page, url
        assert 'class="elder"' not in page
        assert "大字模式" in page


def test_switching_on_sets_a_lasting_cookie_and_goes_back(client, db):
    response = client.post(SWITCH, {"mode": "on", "next": "/activities/?compound=1"})
    assert response.status_code == 302
    assert response["Location"] == "/activities/?compound=1"
    cookie = response.cookies[COOKIE]
    assert cookie.value == "1" and int(cookie["max-age"]) == COOKIE_AGE
    assert cookie["samesite"] == "Lax"
    page = client.get("/activities/").content.decode()
    assert '<html lang="zh-hans" class="elder">' in page
    assert "标准字号" in page and '<input type="hidden" name="mode" value="off">' in page


def test_switching_off_forgets_it(client, db):
    client.post(SWITCH, {"mode": "on", "next": "/"})
    response = client.post(SWITCH, {"mode": "off", "next": "/"})
    assert response.cookies[COOKIE].value == ""
    assert 'class="elder"' not in client.get("/").content.decode()


def test_it_holds_for_signed_in_residents_too(client, resident):
    client.force_login(resident)
    client.post(SWITCH, {"mode": "on", "next": "/"})
    assert 'class="elder"' in client.get(reverse("my_bookings")).content.decode()


@pytest.mark.parametrize(
    "forged", ["https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)", ""]
)
def test_a_forged_next_goes_home(client, db, forged):
    response = client.post(SWITCH, {"mode": "on", "next": forged})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_switch_changes_nothing_on_a_get(client, db):
    response = client.get(SWITCH, {"mode": "on", "next": "/"})
    assert response.status_code == 405
    assert COOKIE not in response.cookies


def test_the_switch_needs_the_csrf_token(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(SWITCH, {"mode": "on", "next": "/"})
    assert response.status_code == 403


def test_the_switch_speaks_the_readers_language(client, db):
    client.cookies["django_language"] = "en"
    assert "Large text" in client.get("/").content.decode()
    client.post(SWITCH, {"mode": "on", "next": "/"})
    page = client.get("/").content.decode()
    assert "Standard text" in page and "标准字号" not in page


@pytest.mark.parametrize("forged", ["abc", "²", "0", "-1", "1e3", "٣", "9" * 25, "//evil.example/"])
def test_a_next_that_is_not_a_path_here_goes_home_not_to_a_server_error(client, forged):
    response = client.post("/elder-mode/", {"mode": "on", "next": forged})
    assert response.status_code == 302
    assert response["Location"] == "/"
