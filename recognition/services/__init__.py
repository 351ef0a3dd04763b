"""Everything that writes recognition's rows: processing jobs, the model registry, fine-tuning runs
and deleting documents with the models tuned to them.

Job state only moves through conditional updates, so a re-delivered or retried task message can
never run a job twice at the same time. One module per concern; callers use
``from recognition import services`` or import a name from here.
"""
from htr_platform.celery import app as celery_app
from recognition.prescription_flags import document_flag, formulary_add, line_flag, lines_flag
from recognition.services.deletion import document_delete, documents_delete_expired
from recognition.services.fine_tunings import (
    FINE_TUNING_ACTIVE,
    document_tuning_sync,
    fine_tuning_beat,
    fine_tuning_cancel,
    fine_tuning_check_lines,
    fine_tuning_claim,
    fine_tuning_documents,
    fine_tuning_start,
    fine_tunings_recover_stale,
)
from recognition.services.jobs import (
    JOB_ACTIVE,
    MAX_ATTEMPTS,
    TASK_FOR_STAGE,
    Recovery,
    document_imported_follow,
    document_process,
    document_read_again,
    error_message,
    job_beat,
    job_claim,
    job_fail,
    job_finish,
    job_progress,
    job_requeue,
    jobs_recover_stale,
    lines_read,
    page_process_again,
    pages_process,
    pages_processing_sync,
)
from recognition.services.model_registry import (
    document_model_set,
    model_current,
    model_delete,
    model_for_document,
    model_make_current,
    model_register,
)

__all__ = [
    "FINE_TUNING_ACTIVE",
    "JOB_ACTIVE",
    "MAX_ATTEMPTS",
    "TASK_FOR_STAGE",
    "Recovery",
    "celery_app",
    "document_delete",
    "document_flag",
    "document_imported_follow",
    "document_model_set",
    "document_process",
    "document_read_again",
    "document_tuning_sync",
    "documents_delete_expired",
    "error_message",
    "fine_tuning_beat",
    "fine_tuning_cancel",
    "fine_tuning_check_lines",
    "fine_tuning_claim",
    "fine_tuning_documents",
    "fine_tuning_start",
    "fine_tunings_recover_stale",
    "formulary_add",
    "job_beat",
    "job_claim",
    "job_fail",
    "job_finish",
    "job_progress",
    "job_requeue",
    "jobs_recover_stale",
    "line_flag",
    "lines_flag",
    "lines_read",
    "model_current",
    "model_delete",
    "model_for_document",
    "model_make_current",
    "model_register",
    "page_process_again",
    "pages_process",
    "pages_processing_sync",
]
