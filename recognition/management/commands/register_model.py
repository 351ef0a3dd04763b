from django.core.management.base import BaseCommand, CommandParser

from recognition.services import model_register


class Command(BaseCommand):
    help = "Register a recognition model file (name, version and metrics are read from it) and make it current."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the model file")
        parser.add_argument("--not-current", action="store_true", help="register it without using it")

    def handle(self, *args, path: str, not_current: bool, **options) -> None:
        model = model_register(path=path, make_current=not not_current)
        state = "current" if model.is_current else "registered"
        self.stdout.write(f"{model.name} {model.version} ({state}), metrics: {model.metrics}")
