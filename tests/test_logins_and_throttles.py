"""Logins and throttles (issue 6, section 4): a Redis outage locks nobody out, throttles key on
the real client address, one login's failures are limited from every address, sign-up does
not tell which emails have accounts, and Django's password rules speak Chinese."""

import logging
import re
import runpy
import time
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model, password_validation
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory, TestCase
from django.urls import reverse
from django.utils import translation
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from conftest import at
from lixiong import cache as lixiong_cache
from lixiong.throttling import AccountAdapter, client_ip
from spaces.models import Booking

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"
TOKEN_URL = "/api/v1/auth/token/"
# Nothing listens there (the shared Redis stays up on 6379).
CLOSED_PORT = "redis://127.0.0.1:6390/0"
# A non-routable address: connecting hangs until the socket timeout.
BLACKHOLE = "redis://10.255.255.1:6379/0"
SETTINGS_FILE = Path(__file__).resolve().parent.parent / "lixiong" / "settings.py"


def deployed_caches(monkeypatch, redis_url: str) -> dict:
    """settings.py's CACHES for this REDIS_URL, read from the file as a deployment reads it."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    return runpy.run_path(str(SETTINGS_FILE))["CACHES"]


@pytest.fixture
def fresh_fallback():
    lixiong_cache._retry_at.clear()
    yield
    lixiong_cache._retry_at.clear()


@pytest.fixture
def redis_down(settings, monkeypatch, fresh_fallback):
    settings.CACHES = deployed_caches(monkeypatch, CLOSED_PORT)
    cache.clear()  # the fallback's counters from an earlier test


@pytest.fixture
def memory_cache(settings):
    """A cache whose expiry follows the frozen clock (Redis keeps its own time)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


def token(username: str, password: str, **extra):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, **extra)


def html_login(client, login: str, password: str, **extra):
    return client.post(reverse("account_login"), {"login": login, "password": password}, **extra)


def signup(client, email: str, password: str = "a-long-pass-2026"):
    # allauth's mails go through the outbox, sent once the sign-up commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("account_signup"),
            {"email": email, "password1": password, "password2": password},
        )


# --- Redis unreachable ---------------------------------------------------------------------


def test_with_redis_unreachable_a_resident_signs_in_on_the_login_page(client, resident, redis_down):
    response = html_login(client, "ahua", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("my_bookings")).status_code == 200


def test_with_redis_unreachable_the_api_gives_a_token(resident, redis_down):
    assert token("ahua", PASSWORD).status_code == 200
    assert token("ahua@example.com", PASSWORD).status_code == 200


def test_with_redis_unreachable_a_newcomer_signs_up(client, redis_down):
    response = signup(client, "newcomer@example.com")
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert get_user_model().objects.filter(email="newcomer@example.com").exists()
    assert mail.outbox[-1].to == ["newcomer@example.com"]


def test_with_redis_unreachable_a_resident_books_in_the_api_and_on_the_form(
    client, frozen, dance_room, resident, redis_down
):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token('ahua', PASSWORD).json()['token']}")
    body = {
        "space": dance_room.pk,
        "start": at(1, 9).isoformat(),
        "end": at(1, 10).isoformat(),
        "purpose": "广场舞排练",
        "attendees": 5,
    }
    assert api.post("/api/v1/bookings/", body, format="json").status_code == 201

    client.force_login(resident)
    response = client.post(
        reverse("booking_new", args=[dance_room.pk]),
        {"start": "2026-12-02T14:00", "duration": 60, "attendees": 6, "purpose": "舞蹈"},
    )
    assert response.status_code == 302 and response.url == reverse("my_bookings")
    assert Booking.objects.filter(booked_by=resident).count() == 2


def test_with_redis_unreachable_the_token_throttle_still_counts_in_the_process(redis_down, db):
    statuses = [token(f"guess{i}", "wrong").status_code for i in range(11)]
    assert statuses == [400] * 10 + [429]


def test_a_signed_in_resident_stays_signed_in_when_redis_goes_away(
    client, resident, settings, monkeypatch
):
    # Sessions live in the database: one kept in the cache would vanish with Redis.
    settings.CACHES = deployed_caches(
        monkeypatch, settings.REDIS_URL or "redis://127.0.0.1:6379/12"
    )
    assert html_login(client, "ahua", PASSWORD).status_code == 302
    lixiong_cache._retry_at.clear()
    settings.CACHES = deployed_caches(monkeypatch, CLOSED_PORT)
    try:
        assert client.get(reverse("my_bookings")).status_code == 200
    finally:
        lixiong_cache._retry_at.clear()


def test_a_failing_redis_is_asked_once_per_interval_and_logged_once(
    fresh_fallback, settings, caplog, monkeypatch
):
    settings.CACHES = deployed_caches(monkeypatch, CLOSED_PORT)
    calls = []

    def refuse(self, *args, **kwargs):
        calls.append(args)
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(lixiong_cache.RedisCache, "get", refuse)
    with caplog.at_level(logging.WARNING, logger="lixiong.cache"):
        cache.set("counter", 1)
        values = [cache.get("counter") for _ in range(20)]
    assert values == [1] * 20  # answered from memory
    assert len(calls) == 0  # set() failed first, so Redis is not asked again for a while
    assert len([r for r in caplog.records if r.name == "lixiong.cache"]) == 1

    # The interval passes and Redis answers again: it is used, and that is logged.
    monkeypatch.setattr(lixiong_cache.RedisCache, "get", lambda self, *a, **k: "from redis")
    lixiong_cache._retry_at[CLOSED_PORT] = 0.0
    with caplog.at_level(logging.WARNING, logger="lixiong.cache"):
        assert cache.get("counter") == "from redis"
    assert "back" in caplog.records[-1].getMessage()


def test_a_redis_that_does_not_answer_costs_one_short_timeout_not_one_per_call(
    fresh_fallback, settings, monkeypatch
):
    settings.CACHES = deployed_caches(monkeypatch, BLACKHOLE)
    started = time.monotonic()
    for i in range(20):
        cache.set(f"key{i}", i)
        assert cache.get(f"key{i}") == i
    assert time.monotonic() - started < 2


# --- the client address ----------------------------------------------------------------------


def test_a_forged_x_forwarded_for_does_not_dodge_the_token_throttle(db):
    # A guesser sprays logins, each request claiming another address.
    statuses = [
        token(f"guess{i}", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(100)
    ]
    assert statuses[:10] == [400] * 10
    assert set(statuses[10:]) == {429}


def test_the_login_page_limits_failures_per_address_whatever_the_header_says(client, db):
    # allauth's own per-address limit of failed logins (10 a minute).
    for i in range(10):
        response = html_login(client, f"guess{i}", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        assert "登录失败次数过多" not in response.content.decode()
    response = html_login(client, "guess-last", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert "登录失败次数过多" in response.content.decode()


def test_without_a_trusted_proxy_the_header_is_ignored_and_behind_one_it_is_read_from_the_right(
    settings,
):
    request = RequestFactory().post(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7"
    )
    assert client_ip(request) == "10.0.0.2"
    assert AccountAdapter(request).get_client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy appended what it saw (192.0.2.7); 6.6.6.6 is the client's own claim.
    assert client_ip(request) == "192.0.2.7"
    assert AccountAdapter(request).get_client_ip(request) == "192.0.2.7"


def test_behind_a_trusted_proxy_each_client_has_its_own_token_throttle(settings, db):
    settings.TRUSTED_PROXY_COUNT = 1
    busy = [
        token(f"guess{i}", "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.7")
        for i in range(11)
    ]
    assert busy[-1].status_code == 429
    other = token("guess-other", "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.8")
    assert other.status_code == 400


def test_too_many_sign_ups_from_one_address_get_a_page_in_chinese(client, db):
    # allauth's own per-address limit (20 a minute) answers with templates/429.html.
    for i in range(20):
        assert signup(client, f"newcomer{i}@example.com", "short").status_code == 200
    response = signup(client, "newcomer-last@example.com", "short")
    assert response.status_code == 429
    assert "请求太频繁" in response.content.decode()


# --- failed logins per account ---------------------------------------------------------------


def test_a_login_is_locked_after_five_failures_from_any_addresses_even_for_the_right_password(
    resident, memory_cache, frozen
):
    for i in range(5):
        response = token("ahua", f"guess{i}", REMOTE_ADDR=f"192.0.2.{i}")
        assert response.status_code == 400
    response = token("ahua", PASSWORD, REMOTE_ADDR="192.0.2.50")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "login_locked" and body["fields"] == {}
    assert "即使密码正确也无法登录" in body["detail"] and "15 分钟" in body["detail"]
    assert response["Retry-After"] == "900"

    frozen.shift(timedelta(minutes=16))
    assert token("ahua", PASSWORD, REMOTE_ADDR="192.0.2.51").status_code == 200


def test_the_lock_message_is_in_english_for_english_clients(resident, memory_cache):
    for i in range(5):
        token("ahua", f"guess{i}", REMOTE_ADDR=f"192.0.2.{i}")
    response = token("ahua", PASSWORD, REMOTE_ADDR="192.0.2.50", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert not re.search(r"[\u4e00-\u9fff]", response.json()["detail"])


def test_a_login_and_its_email_in_any_case_share_one_budget_with_the_login_page(
    client, resident, memory_cache
):
    for i, login in enumerate(["ahua@example.com", "AHUA@Example.com", "Ahua@EXAMPLE.COM"]):
        assert token(login, "wrong", REMOTE_ADDR=f"192.0.2.{i}").status_code == 400
    for i in range(2):
        response = html_login(client, "ahua@example.com", "wrong", REMOTE_ADDR=f"192.0.2.2{i}")
        assert response.status_code == 200 and "即使密码正确" not in response.content.decode()
    response = html_login(client, "ahua@example.COM", PASSWORD, REMOTE_ADDR="192.0.2.30")
    assert response.status_code == 200
    assert "即使密码正确也无法登录" in response.content.decode()
    assert token("ahua@example.com", PASSWORD).status_code == 429


def test_a_right_password_does_not_count_as_a_failure(resident, memory_cache):
    passwords = ["x1", "x2", "x3", "x4", PASSWORD, PASSWORD, PASSWORD, "x5"]
    statuses = [token("ahua", p, REMOTE_ADDR="192.0.2.1").status_code for p in passwords]
    assert statuses == [400] * 4 + [200] * 3 + [400]


def test_an_unknown_login_is_locked_like_a_real_one(db, memory_cache):
    statuses = [
        token("nobody@example.com", "wrong", REMOTE_ADDR=f"192.0.2.{i}").status_code
        for i in range(6)
    ]
    assert statuses == [400] * 5 + [429]


def test_an_unconfirmed_email_gets_no_token_when_verification_is_mandatory(db):
    user = get_user_model().objects.create_user("lihua", "lihua@example.com", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = token("lihua", PASSWORD)
    assert response.status_code == 403 and response.json()["code"] == "email_unverified"
    EmailAddress.objects.filter(user=user).update(verified=True)
    assert token("lihua", PASSWORD).status_code == 200


# --- sign-up does not reveal registered emails ---------------------------------------------


def _shown(response, email: str) -> str:
    """What a visitor sees, with the address they typed and the CSRF token masked."""
    page = re.sub(re.escape(email), "EMAIL", response.content.decode(), flags=re.IGNORECASE)
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "CSRF", page)


def test_signing_up_with_a_registered_email_looks_like_signing_up_with_a_new_one(
    client, resident, django_user_model
):
    new, taken = "newcomer@example.com", "AHUA@example.com"
    first = signup(client, new)
    second_client = Client()
    second = signup(second_client, taken)

    assert (first.status_code, first.url) == (second.status_code, second.url)
    assert first.url == reverse("account_email_verification_sent")
    pages = [client.get(first.url), second_client.get(second.url)]
    assert [p.status_code for p in pages] == [200, 200]
    assert _shown(pages[0], new) == _shown(pages[1], taken)
    # Neither visitor is signed in.
    assert client.get(reverse("my_bookings")).status_code == 302
    assert second_client.get(reverse("my_bookings")).status_code == 302

    # No second account; the owner hears that someone tried, the newcomer gets the link.
    assert django_user_model.objects.filter(email__iexact="ahua@example.com").count() == 1
    recipients = {message.to[0].lower(): message for message in mail.outbox}
    assert set(recipients) == {new, "ahua@example.com"}
    assert "/accounts/password/reset/" in recipients["ahua@example.com"].body
    assert "/accounts/confirm-email/" in recipients[new].body


def test_signing_up_with_a_registered_email_takes_as_long_as_with_a_new_one(
    client, resident, monkeypatch
):
    # The time of the answer must not tell either: both spend one password hash.
    from django.contrib.auth.hashers import MD5PasswordHasher

    hashes = []
    original = MD5PasswordHasher.encode

    def counted(self, *args, **kwargs):
        hashes.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counted)
    signup(client, "newcomer@example.com")
    new = len(hashes)
    signup(Client(), "ahua@example.com")
    assert new == 1 and len(hashes) - new == 1


# --- Django's password rules in Chinese ------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("abc", "密码长度太短。密码必须包含至少 8 个字符。"),
        ("password", "这个密码太常见了。"),
        ("38472915", "密码只包含数字。"),
        ("newcomer-2026", "密码跟 用户名 太相似了。"),
    ],
)
def test_sign_up_in_chinese_explains_a_weak_password_in_chinese(client, db, password, expected):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "newcomer@example.com",
            "username": "newcomer",
            "password1": password,
            "password2": password,
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert expected in page
    assert "This password" not in page and "Your password" not in page


def test_every_password_rule_of_django_speaks_chinese():
    user = get_user_model()(username="newcomer", email="newcomer@example.com")
    with translation.override("zh-hans"):
        validators = password_validation.get_default_password_validators()
        texts = [v.get_help_text() for v in validators]
        texts += [v.get_error_message() for v in validators if hasattr(v, "get_error_message")]
        texts += password_validation.password_validators_help_texts()
        for password in ["abc", "password", "38472915", "newcomer1"]:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                texts += error.messages
    untranslated = [text for text in texts if not re.search(r"[\u4e00-\u9fff]", text)]
    assert not untranslated


# --- review findings -------------------------------------------------------------------------


def test_the_admins_own_login_form_sends_staff_to_the_portals_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
    # Posting guesses to the admin's form reaches no password check at all.
    guess = client.post("/admin/login/", {"username": "staff", "password": "wrong"})
    assert guess.status_code == 302 and guess["Location"].startswith("/accounts/login/")


def test_a_username_and_its_email_share_one_failure_budget(client, settings):
    from conftest import make_user

    settings.LOGIN_FAILURES_PER_ACCOUNT = 4
    make_user("budget", email="budget@example.com")
    for login in ["budget", "BUDGET@example.com", "budget@example.com", "budget"]:
        response = client.post(
            "/api/v1/auth/token/",
            {"username": login, "password": "wrong"},
            content_type="application/json",
        )
        assert response.status_code == 400
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "budget@example.com", "password": "pass-for-tests-1"},
        content_type="application/json",
    )
    assert response.status_code == 429 and response.json()["code"] == "login_locked"


def test_allauths_mails_go_through_the_outbox_and_survive_a_mail_server_outage(
    client, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    from notifications.models import Message

    settings.EMAIL_BACKEND = "notifications.tests.test_outbox.FlakySMTP"
    from notifications.tests.test_outbox import FlakySMTP

    FlakySMTP.failures, FlakySMTP.sent = 1, []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "email": "newcomer@example.com",
                "password1": "a-long-pass-phrase-9",
                "password2": "a-long-pass-phrase-9",
            },
        )
    assert response.status_code == 302  # not a 500 with the mail server down
    message = Message.objects.get(address="newcomer@example.com")
    assert (message.status, message.attempts) == ("pending", 1)
    assert mail.outbox == [] and FlakySMTP.sent == []
