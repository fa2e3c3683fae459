"""Who is asking, how often, and what the answers give away.

Two ideas shared by the HTML login (allauth) and the API's token endpoint, so a guesser gains
nothing by switching between them:

- the client's address is the one our own reverse proxies saw (TRUSTED_PROXY_COUNT), never
  what the client wrote into X-Forwarded-For;
- a login (a username or an email, in any case) has a budget of failed attempts per window
  (LOGIN_FAILURES_PER_ACCOUNT per LOGIN_FAILURE_WINDOW_MINUTES), so a guesser spread over
  many addresses is stopped too.

Counters live in the cache (lixiong.cache: shared through Redis, per process while it is down).
Sign-up answers the same, in the same time, whether or not the email has an account.
"""

import hashlib
import ipaddress
from uuid import uuid4

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext
from rest_framework import exceptions, status
from rest_framework.throttling import ScopedRateThrottle


def client_ip(request) -> str:
    """The address the outermost of our TRUSTED_PROXY_COUNT proxies received the request from.

    Each proxy appends the address it was connected from to X-Forwarded-For, so only the last
    TRUSTED_PROXY_COUNT entries are ours; anything left of them was written by the client.
    With no proxy configured the header is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if not forwarded:
        return remote
    try:
        # As DRF's NUM_PROXIES reads it: the entry our outermost proxy wrote.
        return str(ipaddress.ip_address(forwarded[-min(count, len(forwarded))]))
    except ValueError:
        return remote  # not an address: a proxy we do not control, so not to be believed


class ClientAddressThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, keyed on client_ip()."""

    def get_ident(self, request):
        return client_ip(request)


# --- failed logins per account ----------------------------------------------------------


def _failures_key(login: str) -> str:
    """One budget per account, whether it is named by its username or its email (else the
    two spellings would each get the full budget); an unknown login has its own, by text."""
    text = login.strip()
    account = (
        get_user_model()
        .objects.filter(Q(username__iexact=text) | Q(email__iexact=text))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
        if text
        else None
    )
    if account is not None:
        return f"login-failures:account:{account}"
    # Hashed: a login is free text (any length, any characters) and cache keys are not.
    digest = hashlib.sha256(text.casefold().encode()).hexdigest()
    return f"login-failures:{digest}"


def login_attempt_allowed(login: str) -> bool:
    """Spend one attempt of `login`'s budget; False when it is spent, and then the password
    must not even be checked (the right one is refused too until the window passes).

    The attempt is counted before the password is checked, with an atomic increment, so a
    burst of parallel guesses cannot all pass a check made before any of them failed;
    login_attempt_succeeded() gives it back. Unknown logins are counted the same way, so the
    lock reveals nothing about which accounts exist.
    """
    key = _failures_key(login)
    window = settings.LOGIN_FAILURE_WINDOW_MINUTES * 60
    cache.add(key, 0, window)
    try:
        attempts = cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.add(key, 1, window)
        attempts = 1
    return attempts <= settings.LOGIN_FAILURES_PER_ACCOUNT


def login_attempt_succeeded(login: str) -> None:
    """A right password: the attempt does not count as a failure."""
    try:
        cache.decr(_failures_key(login))
    except ValueError:
        pass  # the window already ended


def login_locked_message() -> str:
    minutes = settings.LOGIN_FAILURE_WINDOW_MINUTES
    return gettext(
        "这个账号登录失败的次数太多，已暂时锁定（最长 %(minutes)d 分钟）。"
        "锁定期间即使密码正确也无法登录，请稍后再试。"
    ) % {"minutes": minutes}


class LoginLocked(exceptions.APIException):
    """The API's answer to a login whose budget is spent (shape: lixiong.api)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "login_locked"

    def __init__(self):
        super().__init__(detail=login_locked_message(), code=self.default_code)
        # Retry-After, an upper bound: the window started at the first failure.
        self.wait = settings.LOGIN_FAILURE_WINDOW_MINUTES * 60


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter with our client address and our per-account failure budget (the
    one the token endpoint spends too)."""

    def get_client_ip(self, request) -> str:
        return client_ip(request)

    def send_mail(self, template_prefix, email, context):
        """allauth's mails (confirm your email, reset your password, an account exists) go
        through the one outbox too: with the mail server down, a sign-up is not a 500 and the
        mail is sent when it is back."""
        from notifications.services import Draft, messages_queue

        message = self.render_mail(template_prefix, email, context)
        user = context.get("user")
        with transaction.atomic():
            messages_queue(
                [
                    Draft(
                        # Each of these mails is news (a new link each time): a key of its own.
                        key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid4().hex}",
                        address=email,
                        subject=message.subject,
                        body=message.body,
                        recipient_id=getattr(user, "pk", None),
                    )
                ]
            )

    def authenticate(self, request, **credentials):
        # The login form passes what was typed as `email` (when it looks like one) and
        # `username`: the same text, so the same budget as the token endpoint's `username`.
        login = credentials.get("email") or credentials.get("username") or ""
        if not login_attempt_allowed(login):
            raise ValidationError(login_locked_message(), code="too_many_login_attempts")
        user = super().authenticate(request, **credentials)
        if user is not None:
            login_attempt_succeeded(login)
        return user


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, as slow for a registered email as for a new one."""

    def try_save(self, request):
        if self.account_already_exists:
            # A new sign-up spends a password hash (PBKDF2, ~0.3 s here); allauth's answer
            # for a registered email skips it, and the difference would tell which emails
            # have accounts as plainly as a message.
            get_user_model()().set_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)
