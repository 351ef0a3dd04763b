class PermanentJobError(Exception):
    """Retrying will not help; the message is shown to the user on the failed job."""


class ModelFileMissing(PermanentJobError):
    pass
