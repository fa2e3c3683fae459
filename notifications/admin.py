from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """What was sent to whom, and what is stuck: read-only, like a post office's log."""

    # Few columns: the subject needs the width at a desk; attempts and errors are on the page.
    list_display = ["created_at", "subject", "address", "status"]
    list_filter = ["status"]
    search_fields = ["address", "subject", "key"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]
    actions = ["send_again"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("重新发送选中的失败通知"), permissions=["change"])
    def send_again(self, request, queryset):
        count = sum(services.message_retry(message=m) for m in queryset)
        self.message_user(
            request,
            ngettext("已重新排队 %(n)d 条通知。", "已重新排队 %(n)d 条通知。", count)
            % {"n": count},
            messages.SUCCESS if count else messages.WARNING,
        )
