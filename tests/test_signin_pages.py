"""The sign-in pages (allauth) speak the portal's language: labels in plain words, a real
remember-me checkbox, links from each page to the next, and a welcome by the name the
resident gave, in Chinese and in English."""

import re

import pytest
from django.test import TestCase
from django.urls import reverse

from conftest import make_user
from residents.models import Profile

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


@pytest.fixture
def ahua(db):
    user = make_user("ahua")
    Profile.objects.create(user=user, display_name="阿华姐")
    return user


def _label_for(html: str, name: str) -> str:
    """The text of the <label> tied to the input named `name`."""
    input_id = re.search(rf'<input[^>]*name="{name}"[^>]*id="([^"]+)"', html).group(1)
    return re.search(rf'<label for="{input_id}">([^<]*)</label>', html).group(1).strip()


@pytest.mark.parametrize(
    ("language", "login", "password", "remember"),
    [
        ("zh-hans", "用户名或邮箱", "密码", "在这台设备上保持登录"),
        ("en", "Username or email", "Password", "Keep me logged in on this device"),
    ],
)
def test_the_login_page_labels_its_boxes_in_plain_words_with_a_real_remember_checkbox(
    client, language, login, password, remember
):
    client.cookies["django_language"] = language
    html = client.get(reverse("account_login")).content.decode()

    assert _label_for(html, "login") == login
    assert _label_for(html, "password") == password
    assert _label_for(html, "remember") == remember
    assert re.search(r'<input type="checkbox" name="remember"', html)
    # A label, not a placeholder that disappears as one types.
    assert "placeholder=" not in html
    # The button is the portal's 44 px one, and the page leads on to the others.
    assert re.search(r'<button class="btn" type="submit">\s*(登录|Log in)\s*</button>', html)
    assert f'href="{reverse("account_signup")}"' in html
    assert f'href="{reverse("account_reset_password")}"' in html


@pytest.mark.parametrize(
    ("language", "welcome"), [("zh-hans", "欢迎，阿华姐！"), ("en", "Welcome, 阿华姐!")]
)
def test_the_welcome_after_signing_in_uses_the_residents_display_name(
    client, ahua, language, welcome
):
    client.cookies["django_language"] = language
    response = client.post(
        reverse("account_login"), {"login": "ahua", "password": PASSWORD}, follow=True
    )

    shown = re.search(r'<ul class="messages".*?</ul>', response.content.decode(), re.S).group(0)
    assert welcome in shown
    assert "ahua" not in shown  # the login name is no greeting


def test_without_a_display_name_the_welcome_uses_the_username(client, db):
    make_user("xiaomei")
    response = client.post(
        reverse("account_login"), {"login": "xiaomei", "password": PASSWORD}, follow=True
    )
    assert "欢迎，xiaomei！" in response.content.decode()


def test_a_wrong_password_is_said_above_the_form_and_the_boxes_keep_their_labels(client, ahua):
    html = client.post(
        reverse("account_login"), {"login": "ahua", "password": "wrong-password"}
    ).content.decode()

    errors = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', html, re.S)
    assert errors and "用户名或密码不对" in errors.group(1)
    assert _label_for(html, "login") == "用户名或邮箱"


def test_the_sign_up_page_labels_its_boxes_and_links_to_the_login(client, db):
    html = client.get(reverse("account_signup")).content.decode()

    assert _label_for(html, "email") == "邮箱"
    assert _label_for(html, "password1") == "密码"
    assert _label_for(html, "password2") == "再输入一次密码"
    assert f'href="{reverse("account_login")}"' in html


def test_signing_out_says_so_in_plain_words(client, ahua):
    client.force_login(ahua)
    page = client.get(reverse("account_logout")).content.decode()
    assert "确定要退出登录吗" in page

    response = client.post(reverse("account_logout"), follow=True)
    assert "您已退出登录。" in response.content.decode()


def test_the_password_reset_pages_lead_back_to_the_login(client, ahua):
    page = client.get(reverse("account_reset_password")).content.decode()
    assert _label_for(page, "email") == "注册时用的邮箱"
    assert f'href="{reverse("account_login")}"' in page

    done = client.post(
        reverse("account_reset_password"), {"email": "ahua@example.com"}, follow=True
    ).content.decode()
    assert "请查收邮件" in done
    assert f'href="{reverse("account_login")}"' in done


def test_a_used_or_forged_reset_link_says_what_to_do_next(client, db):
    page = client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "forged"}),
        follow=True,
    ).content.decode()
    assert "链接已失效" in page
    assert f'href="{reverse("account_reset_password")}"' in page


def test_every_sign_in_page_is_complete_in_english(client, ahua):
    client.cookies["django_language"] = "en"
    for url in [
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("account_reset_password_done"),
        reverse("account_email_verification_sent"),
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "forged"}),
        reverse("account_confirm_email", args=["forged-key"]),
    ]:
        html = client.get(url, follow=True).content.decode().replace("简体中文", "")
        assert CJK.findall(html) == [], url
    client.force_login(ahua)
    for url in [
        reverse("account_logout"),
        reverse("account_change_password"),
        reverse("account_email"),
    ]:
        html = client.get(url).content.decode().replace("简体中文", "")
        assert CJK.findall(html) == [], url


def _sign_up(client, email):
    # allauth's mails go through the outbox, sent once the sign-up commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("account_signup"),
            {"email": email, "password1": "a-long-pass-2026", "password2": "a-long-pass-2026"},
        )


def test_the_sign_up_mail_is_in_plain_chinese_with_its_link(client, db):
    from django.core import mail

    _sign_up(client, "newcomer@example.com")

    (message,) = mail.outbox
    assert "请确认您的邮箱" in message.subject
    assert "如果是您本人，请打开下面的链接确认邮箱" in message.body
    assert "/accounts/confirm-email/" in message.body
    # allauth's own Chinese left this sentence in English, and greeted with "Hello!".
    assert "To confirm" not in message.body and "Hello" not in message.body


def test_the_sign_up_mail_is_in_english_for_an_english_visitor(client, db):
    from django.core import mail

    client.cookies["django_language"] = "en"
    _sign_up(client, "newcomer@example.com")

    (message,) = mail.outbox
    assert "Please confirm your email" in message.subject
    assert "open this link to confirm your email" in message.body
    assert CJK.findall(message.body) == []
