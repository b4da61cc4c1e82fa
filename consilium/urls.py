from django.contrib import admin
from django.urls import include, path

from consilium.accounts import views as account_views
from consilium.accounts.admin_site import protect
from consilium.api import api
from consilium.core import views as core_views

protect(admin.site)

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("language", core_views.set_language, name="set_language"),
    path("accounts/profile/", account_views.profile, name="profile"),
    path("network/", include("consilium.network.urls")),
    path("consultations/", include("consilium.consultations.urls")),
    path("accounts/", include("allauth.urls")),
    path("registry/", include("consilium.registry.urls")),
    path("meetings/", include("consilium.meetings.urls")),
    path("library/", include("consilium.library.urls")),
    path("outcomes/", include("consilium.outcomes.urls")),
    path("search/", include("consilium.search.urls")),
    path("navigation/", include("consilium.navigation.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = "consilium.core.views.bad_request"
handler403 = "consilium.core.views.permission_denied"
handler404 = "consilium.core.views.page_not_found"
handler500 = "consilium.core.views.server_error"
