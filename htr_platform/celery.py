"""The Celery app: queue ``cpu`` for segmentation and the search for unread ink, queue ``gpu`` for recognition."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "htr_platform.settings")

app = Celery("htr_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
