"""Thin Celery tasks of documents: an export made by a worker (queue "cpu")."""
from __future__ import annotations

from celery import Task, shared_task

from documents.services import export_jobs


class ExportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        export_jobs.export_job_fail(export_id=args[0], error=export_jobs.export_error_message(exc))


@shared_task(base=ExportTask)
def export_document(export_id: str) -> None:
    export_jobs.export_job_run(export_id=export_id)
