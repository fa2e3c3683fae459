from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lixiong.validators import mobile_number, validate_mobile_number, validate_single_line
from spaces.models import Compound


class Profile(models.Model):
    """What the community knows of a resident beyond the login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("账号"),
    )
    display_name = models.CharField(
        _("称呼"), max_length=50, blank=True, validators=[validate_single_line]
    )
    phone = models.CharField(
        _("手机号"), max_length=20, blank=True, validators=[validate_mobile_number]
    )
    compound = models.ForeignKey(
        Compound,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("所在小区"),
    )
    building_unit = models.CharField(
        _("楼栋单元"), max_length=50, blank=True, validators=[validate_single_line]
    )

    class Meta:
        verbose_name = _("居民资料")
        verbose_name_plural = _("居民资料")

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()

    def clean(self):
        # Eleven digits however it was typed ("+86 138-0013-8000"), so staff can search it.
        if self.phone:
            self.phone = mobile_number(self.phone) or self.phone


def display_name_of(user) -> str:
    profile = getattr(user, "profile", None)
    if profile is not None and profile.display_name:
        return profile.display_name
    return user.get_full_name() or user.get_username()
