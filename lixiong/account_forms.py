"""allauth's forms with labels in plain words (settings.ACCOUNT_FORMS).

allauth labels the login box "Login" (Chinese: 登录, the same word as the button) and puts
each label into the box as a placeholder too, which vanishes as soon as one types. Ours say
what to type, once, beside the box (templates/allauth/elements/_bound_field.html shows them),
and read the same on every sign-in page: 邮箱, not 电子邮件 on one page and Email on the next.
"""

from allauth.account import forms as allauth_forms
from django.utils.translation import gettext_lazy as _

from lixiong.throttling import SignupForm as ThrottledSignupForm


class PlainLabels:
    """Sets `labels` on the named fields and drops allauth's placeholders."""

    labels: dict = {}
    autocomplete: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name in self.labels:
                field.label = self.labels[name]
            field.widget.attrs.pop("placeholder", None)
            if name in self.autocomplete:
                field.widget.attrs["autocomplete"] = self.autocomplete[name]


class LoginForm(PlainLabels, allauth_forms.LoginForm):
    labels = {
        "login": _("用户名或邮箱"),
        "password": _("密码"),
        "remember": _("在这台设备上保持登录"),
    }
    # One box takes either, and browsers fill a saved username into "username" boxes.
    autocomplete = {"login": "username"}


class SignupForm(PlainLabels, ThrottledSignupForm):
    labels = {
        "email": _("邮箱"),
        "username": _("用户名（可不填，也可以用邮箱登录）"),
        "password1": _("密码"),
        "password2": _("再输入一次密码"),
    }


class ResetPasswordForm(PlainLabels, allauth_forms.ResetPasswordForm):
    labels = {"email": _("注册时用的邮箱")}


class ResetPasswordKeyForm(PlainLabels, allauth_forms.ResetPasswordKeyForm):
    labels = {"password1": _("新密码"), "password2": _("再输入一次新密码")}


class ChangePasswordForm(PlainLabels, allauth_forms.ChangePasswordForm):
    labels = {
        "oldpassword": _("现在的密码"),
        "password1": _("新密码"),
        "password2": _("再输入一次新密码"),
    }


class AddEmailForm(PlainLabels, allauth_forms.AddEmailForm):
    labels = {"email": _("邮箱")}
