"""What recognition's services refuse; a refusal carries the HTTP status it means (documents.errors.Refused)."""
from documents.errors import Refused


class PermanentJobError(Exception):
    """Retrying will not help; the message is shown to the user on the failed job."""


class ModelFileMissing(PermanentJobError):
    http_status = 409


class ModelInUse(Refused):
    """A model that cannot be deleted; the message says why."""


class FineTuningRefused(Refused):
    """A fine-tuning cannot start or go on; the message says why."""


class FineTuningNotYours(FineTuningRefused):
    """Someone who may not stop a run tried to."""

    http_status = 403


class QueueUnreachable(FineTuningRefused):
    """The run could not be sent to its worker (the broker is down): it is failed, not queued."""

    http_status = 503


class FineTuningStopped(Exception):
    """The run was stopped (cancelled, or failed by the sweep) while its worker trained it."""


class NotEnoughChecked(FineTuningRefused):
    """Too few checked lines to both tune a model and judge it."""

    http_status = 400

    def __init__(self, *, checked: int, train: int, held_out: int):
        needed = train + held_out
        super().__init__(f"Tuning needs {needed} checked lines ({train} to learn from, {held_out} more held out to "
                         f"judge the tuned model by); there {'is' if checked == 1 else 'are'} {checked}: check "
                         f"{needed - checked} more.")


class ReadAgainRefused(Refused):
    """A document's lines cannot be read again now; the message says why."""
