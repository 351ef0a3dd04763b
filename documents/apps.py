from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        # Pillow's decompression-bomb guard, at the platform's own limit.
        Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_PIXELS
