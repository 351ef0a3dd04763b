"""Sign-up, and the answer to a sign-in paused after too many wrong passwords; log in and out are
Django's own views."""
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.save(), backend="django.contrib.auth.backends.ModelBackend")
        return redirect("document-list")
    return render(request, "registration/signup.html", {"form": form})


def locked_out(request: HttpRequest, *args: object) -> HttpResponse:
    """django-axes calls this once a username has had too many wrong passwords from one address."""
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"Too many wrong passwords for this username from this address: signing in "
                                       f"is paused for {minutes} minutes."}, status=429)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


class TokenApi(ObtainAuthToken):
    """An API token for a username and password; 429 while signing in is paused for them."""

    def post(self, request: Request, *args: object, **kwargs: object) -> HttpResponse:
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):  # django-axes marks the request it refused
                return locked_out(request._request)
            raise
