from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from htr_platform.accounts import signup

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="document-list"), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", signup, name="signup"),
    path("documents/", include("documents.urls")),
    path("", include("recognition.urls")),
    path("api/", include("htr_platform.api_urls")),
    path("admin/", admin.site.urls),
]
