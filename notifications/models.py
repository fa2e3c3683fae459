"""The one outbox every message to a person goes through.

A service writes the message row in the same transaction as the change it reports (a booking,
a registration, a decision), so a broker or mail-server outage can delay a message but never
lose it: what was committed is sent, later if need be, and at most once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    # What the message is about, e.g. "booking:12:approved": the same event queued twice (a
    # retried service call, a task run twice) is one row, so it is one message.
    key = models.CharField(_("事件"), max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("收件人"),
    )
    channel = models.CharField(
        _("渠道"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    address = models.CharField(_("地址"), max_length=254)
    subject = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("正文"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    # When the resend job may take it: a while after it was written (the task sent after
    # commit normally gets there first), or after the back-off of a failed attempt.
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("发出的消息")
        verbose_name_plural = _("发出的消息")
        indexes = [
            # The resend job's scan: only what is still waiting.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="message_pending_due",
            ),
            models.Index(fields=["-created_at"], name="message_newest_first"),
        ]

    def __str__(self) -> str:
        return f"{self.address} · {self.subject}"
