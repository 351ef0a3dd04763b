from django.core.management.base import BaseCommand, CommandParser

from documents.models import DocumentKind
from recognition.services import model_register


class Command(BaseCommand):
    help = ("Register a recognition model file (name, version and metrics are read from it) and make it current, "
            "or the model of one kind of document with --kind.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the model file")
        use = parser.add_mutually_exclusive_group()
        use.add_argument("--not-current", action="store_true", help="register it without using it")
        use.add_argument("--kind", choices=DocumentKind.values, default="",
                         help="read new pages of this kind with it; the current model reads the others")

    def handle(self, *args, path: str, not_current: bool, kind: str, **options) -> None:
        model = model_register(path=path, make_current=not not_current, kind=kind)
        if kind and not not_current:
            state = f"reads new {kind} pages"
        else:
            state = "current" if model.is_current else "registered"
        self.stdout.write(f"{model.name} {model.version} ({state}), metrics: {model.metrics}")
