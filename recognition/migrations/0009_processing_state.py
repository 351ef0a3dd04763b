from django.db import migrations

ACTIVE = ("queued", "running")


def processing_state_from_jobs(apps, schema_editor):
    """Documents keeps what recognition is doing to its pages and documents: set it from the jobs and runs."""
    Job = apps.get_model("recognition", "Job")
    FineTuning = apps.get_model("recognition", "FineTuning")
    Page = apps.get_model("documents", "Page")
    Document = apps.get_model("documents", "Document")
    busy = Job.objects.filter(state__in=ACTIVE).values_list("page_id", flat=True)
    Page.objects.filter(pk__in=list(busy)).update(processing=True)
    tuned = FineTuning.objects.filter(state__in=ACTIVE).exclude(document=None).values_list("document_id", flat=True)
    Document.objects.filter(pk__in=list(tuned)).update(being_tuned=True)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_processing_state"),
        ("recognition", "0008_models_per_document"),
    ]

    operations = [migrations.RunPython(processing_state_from_jobs, migrations.RunPython.noop)]
