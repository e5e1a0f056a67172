from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class CitizenUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + ((None, {"fields": ("display_name", "is_platform_admin")}),)
    list_display = ("username", "display_name", "email", "is_platform_admin", "is_active")
