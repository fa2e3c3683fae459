from django.contrib import admin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "phone", "compound", "building_unit"]
    list_filter = ["compound"]
    search_fields = ["user__username", "user__email", "display_name", "phone"]
    list_select_related = ["user", "compound"]
    autocomplete_fields = ["user"]
