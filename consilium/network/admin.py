from django.contrib import admin

from consilium.network.models import Institution


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "country", "city", "kind"]
    search_fields = ["name", "local_name", "code", "city"]
    list_filter = ["country", "kind"]
