from django.contrib import admin

from consilium.accounts.models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "profession", "specialty", "is_active"]
    search_fields = ["email", "full_name"]
    list_filter = ["profession", "is_active"]
    exclude = ["password", "groups", "user_permissions", "last_login"]
    inlines = [MembershipInline]
