"""``/healthz``: the web process answers and reaches its database (docker-compose's health check)."""
from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return JsonResponse({"status": "database unreachable", "error": str(error)}, status=503)
    return JsonResponse({"status": "ok"})
