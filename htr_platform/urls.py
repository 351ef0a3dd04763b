from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from htr_platform.accounts import signup
from htr_platform.health import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="document-list"), name="home"),
    # Pages link the icon; this answers the browsers and pages (the admin's) that ask for it here.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", signup, name="signup"),
    path("documents/", include("documents.urls")),
    path("", include("recognition.urls")),
    path("api/", include("htr_platform.api_urls")),
    path("admin/", admin.site.urls),
]
