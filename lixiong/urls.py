from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import elder, views

admin.site.site_header = _("沥雄社区服务阵地 · 工作人员后台")
admin.site.site_title = _("沥雄社区服务阵地")
admin.site.index_title = _("管理")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("elder-mode/", elder.switch, name="elder_mode"),
    # Staff sign in where everyone does: the portal's login spends the per-account failure
    # budget and the address limits; Django's own admin login form would skip them.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="admin_login_redirect",
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("lixiong.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (?script), not inline: the Content
    # Security Policy allows scripts from the portal's own origin only.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs.html"),
        name="api_docs",
    ),
    path("me/", include("residents.urls")),
    path("", include("programs.urls")),
    path("", include("partners.urls")),
    path("", include("spaces.urls")),
]

handler404 = "lixiong.views.not_found"
handler500 = "lixiong.views.server_error"
