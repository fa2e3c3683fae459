"""Deployment defaults: settings parse strictly, production refuses to start without a key,
`check --deploy` with .env.example's settings is silent, and every page carries a Content
Security Policy that the templates can keep (no inline script, style attribute or handler)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from lixiong.settings import env_bool

BASE_DIR = Path(settings.BASE_DIR)
A_REAL_KEY = "k9P2vQ7xL4mN8rT1wZ5yB3cF6hJ0dS2gA7eU9iO4pK1lM8nX3qR5tV6"
# What the settings read; a test starts from none of them so the developer's shell can't leak in.
SETTINGS_ENV = {
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECURE_COOKIES",
    "BEHIND_HTTPS_PROXY",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "CSP_REPORT_ONLY",
    "CSP_REPORT_URI",
    "EMAIL_USE_TLS",
}


def python(code: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    base["DJANGO_SETTINGS_MODULE"] = "lixiong.settings"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


SETUP = "import django; django.setup()"


def example_env() -> dict[str, str]:
    """.env.example as docker compose reads it (KEY=value, optional quotes, # comments)."""
    env = {}
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, value = line.partition("=")
        env[key.strip()] = value.strip().strip('"')
    return env


# --- SECRET_KEY ------------------------------------------------------------------------------


def test_debug_off_without_a_secret_key_refuses_to_start_naming_the_variable():
    started = python(SETUP, DEBUG="false")
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert "SECRET_KEY is not set" in started.stderr


def test_debug_off_with_the_example_files_placeholder_key_refuses_to_start():
    started = python(SETUP, DEBUG="false", SECRET_KEY=example_env()["SECRET_KEY"])
    assert started.returncode != 0
    assert "SECRET_KEY" in started.stderr


def test_debug_off_with_a_real_key_starts():
    started = python(SETUP, DEBUG="false", SECRET_KEY=A_REAL_KEY)
    assert started.returncode == 0, started.stderr


def test_debug_on_without_a_key_starts_with_the_development_key():
    started = python(f"{SETUP}; from django.conf import settings; print(settings.SECRET_KEY)")
    assert started.returncode == 0, started.stderr
    assert "insecure" in started.stdout


# --- yes/no settings -------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "true", "True", "YES", "on", " On "])
def test_a_yes_setting_accepts_every_spelling_of_yes(monkeypatch, raw):
    monkeypatch.setenv("LIXIONG_TEST_FLAG", raw)
    assert env_bool("LIXIONG_TEST_FLAG", False) is True


@pytest.mark.parametrize("raw", ["0", "false", "FALSE", "No", "off"])
def test_a_yes_setting_accepts_every_spelling_of_no(monkeypatch, raw):
    monkeypatch.setenv("LIXIONG_TEST_FLAG", raw)
    assert env_bool("LIXIONG_TEST_FLAG", True) is False


def test_an_unset_yes_setting_takes_its_default(monkeypatch):
    monkeypatch.delenv("LIXIONG_TEST_FLAG", raising=False)
    assert env_bool("LIXIONG_TEST_FLAG", True) is True
    assert env_bool("LIXIONG_TEST_FLAG", False) is False


@pytest.mark.parametrize("raw", ["Ture", "", "2", "y", "enabled", "true!"])
def test_a_yes_setting_refuses_anything_else_naming_the_variable_and_value(monkeypatch, raw):
    monkeypatch.setenv("LIXIONG_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured) as refused:
        env_bool("LIXIONG_TEST_FLAG", True)
    assert f"LIXIONG_TEST_FLAG={raw!r}" in str(refused.value)


def test_a_misspelt_secure_cookies_stops_the_start_instead_of_turning_secure_cookies_off():
    started = python(SETUP, DEBUG="false", SECRET_KEY=A_REAL_KEY, SECURE_COOKIES="Ture")
    assert started.returncode != 0
    assert "SECURE_COOKIES='Ture'" in started.stderr
    assert "1, true, yes, on or 0, false, no, off" in started.stderr


# --- HTTPS -----------------------------------------------------------------------------------

PRINT_HTTPS = (
    f"{SETUP}; from django.conf import settings as s; "
    "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
)


def test_behind_the_https_proxy_ssl_redirect_and_hsts_are_on_by_default():
    started = python(PRINT_HTTPS, BEHIND_HTTPS_PROXY="true")
    assert started.stdout.split() == ["True", "31536000", "True"], started.stderr


def test_without_the_proxy_there_is_no_redirect_nor_hsts_by_default():
    started = python(PRINT_HTTPS)
    assert started.stdout.split() == ["False", "0", "True"], started.stderr


def test_behind_the_proxy_redirect_and_hsts_can_each_be_turned_off():
    started = python(
        PRINT_HTTPS, BEHIND_HTTPS_PROXY="on", SECURE_SSL_REDIRECT="off", SECURE_HSTS_SECONDS="0"
    )
    assert started.stdout.split() == ["False", "0", "True"], started.stderr


def test_a_hsts_duration_that_is_not_a_number_stops_the_start():
    started = python(SETUP, SECURE_HSTS_SECONDS="one year")
    assert started.returncode != 0
    assert "SECURE_HSTS_SECONDS='one year' is not a whole number" in started.stderr


def test_the_ssl_redirect_spares_the_container_health_check(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/activities/").status_code == 301
    assert client.get("/healthz").status_code in (200, 503)


def test_check_deploy_with_the_example_settings_and_a_real_key_prints_no_warning():
    # The test run's own switch for Playwright is no part of a deployment.
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k not in SETTINGS_ENV and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**inherited, **example_env(), "SECRET_KEY": A_REAL_KEY},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout
    assert "WARNING" not in checked.stdout + checked.stderr


# --- Content Security Policy and the API's cache header --------------------------------------


def test_pages_carry_a_content_security_policy_without_unsafe_inline(client, db):
    policy = client.get("/activities/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_the_api_docs_come_from_the_portals_own_static_files_without_inline_script(client):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page and "@latest" not in page
    assert "<style" not in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize(
    "path", ["/api/v1/spaces/", "/api/v1/spaces/999999/", "/api/schema/", "/api/docs/"]
)
def test_api_responses_are_private_to_whoever_asked(client, db, path):
    assert "private" in client.get(path)["Cache-Control"]


def test_pages_outside_the_api_are_not_marked_private(client, db):
    assert "private" not in client.get("/activities/").get("Cache-Control", "")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_an_inline_script_style_or_event_handler_the_policy_would_block():
    offenders = []
    for template in sorted((BASE_DIR / "templates").rglob("*.html")):
        text = template.read_text()
        for name, pattern in [
            ("script", INLINE_SCRIPT),
            ("style", INLINE_STYLE),
            ("on*=", HANDLER),
        ]:
            if pattern.search(text):
                offenders.append(f"{template.relative_to(BASE_DIR)}: inline {name}")
    assert offenders == []
