from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from config.env import Env
from ruanzhu.accounts import urls as accounts_urls
from ruanzhu.api.api import api
from ruanzhu.core import bench_views
from ruanzhu.core import views as core_views
from ruanzhu.portal import urls as portal_urls

# The admin is staff-only and, like every staff page, refuses a session without the second factor.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", core_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    # One "accounts" namespace from two apps: the account itself, and its data in the apps above it (portal).
    path("accounts/", include((accounts_urls.urlpatterns + portal_urls.account_urlpatterns, "accounts"))),
    path("services/examination/", include("ruanzhu.examination.applicant_urls")),
    path("services/", include("ruanzhu.filings.urls")),
    path("otp/", include("ruanzhu.otp.urls")),
    path("staff/identity/", include("ruanzhu.identity.review_urls")),
    path("staff/examination/", include("ruanzhu.examination.urls")),
    path("staff/", include("ruanzhu.staff.urls")),
    path("messages/", include("ruanzhu.notifications.urls")),
    path("identity/", include("ruanzhu.identity.urls")),
    path("registry/", include("ruanzhu.registry.urls")),
    path("agents/", include("ruanzhu.agents.urls")),
    path("webhooks/", include("ruanzhu.webhooks.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

if settings.DEBUG:
    urlpatterns += [path("dev/", include("ruanzhu.otp.dev_urls"))]

# A bare view for load tests to compare pages against (ruanzhu.core.bench_views); off unless asked for.
if Env().bool("RUANZHU_BENCH_VIEWS", False):
    urlpatterns += [path("bench/bare/", bench_views.bare, name="bench_bare")]
