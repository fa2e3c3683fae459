"""Django's and allauth's own messages that their bundled zh_Hans catalogues do not translate (or
translate badly).

Django 5.2 reworded the "too short" password message (`%(min_length)d` became `%d`), and the
zh_Hans catalogue it ships still has only the old wording, so a Chinese sign-up page said
"This password is too short. It must contain at least 8 characters." Marking those exact
msgids here puts them into our catalogues (makemessages extracts them; this module is never
imported by the portal), and ZH_HANS gives their Chinese, which scripts/sync_zh_catalogue.py
writes instead of the identity it uses for our own, Chinese, msgids. Our catalogue comes
first in LOCALE_PATHS, so it wins over Django's.

tests/test_logins_and_throttles.py checks that every password message Django can show is
Chinese, so an upgrade that rewords another one is caught; add it here and to ZH_HANS.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

# django/contrib/auth/password_validation.py, MinimumLengthValidator.get_error_message
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
)

# msgid -> its Chinese (for a plural message: the singular msgid; Chinese has one form).
# Worded as Django's own zh_Hans catalogue words the old message.
ZH_HANS = {
    "This password is too short. It must contain at least %d character.": (
        "密码长度太短。密码必须包含至少 %d 个字符。"
    ),
}


# --- allauth's own messages -----------------------------------------------------------------
# allauth's zh_Hans catalogue mixes 电子邮件, Email and 邮箱 on one page, and says 首选Email,
# 重发验证Email. The pages and mails a resident reads from signing up to signing in are our own
# templates (templates/account), in our words; these are allauth's strings left on the pages
# we keep (managing one's emails, changing the password) and in its form errors.
ALLAUTH = [
    gettext_noop("Email Addresses"),
    gettext_noop("The following email addresses are associated with your account:"),
    gettext_noop("Verified"),
    gettext_noop("Unverified"),
    gettext_noop("Primary"),
    gettext_noop("Make Primary"),
    gettext_noop("Re-send Verification"),
    gettext_noop("Remove"),
    gettext_noop("Add Email Address"),
    gettext_noop("Add Email"),
    gettext_noop("Do you really want to remove the selected email address?"),
    gettext_noop("The username and/or password you specified are not correct."),
    gettext_noop("The email address and/or password you specified are not correct."),
    gettext_noop("You must type the same password each time."),
    gettext_noop("Please type your current password."),
]

ZH_HANS |= {
    "Email Addresses": "我的邮箱",
    "The following email addresses are associated with your account:": "这些邮箱属于您的账号：",
    "Verified": "已确认",
    "Unverified": "未确认",
    "Primary": "主邮箱",
    "Make Primary": "设为主邮箱",
    "Re-send Verification": "重新发送确认邮件",
    "Remove": "删除",
    "Add Email Address": "添加邮箱",
    "Add Email": "添加邮箱",
    "Do you really want to remove the selected email address?": "确定要删除选中的邮箱吗？",
    "The username and/or password you specified are not correct.": "用户名或密码不对，请再试一次。",
    "The email address and/or password you specified are not correct.": (
        "邮箱或密码不对，请再试一次。"
    ),
    "You must type the same password each time.": "两次输入的密码不一样，请重新输入。",
    "Please type your current password.": "现在的密码不对，请重新输入。",
}
