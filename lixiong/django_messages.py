"""Django's own messages that its bundled zh_Hans catalogue does not translate.

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

from django.utils.translation import ngettext_lazy

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
