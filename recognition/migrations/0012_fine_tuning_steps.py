from django.db import migrations, models


class Migration(migrations.Migration):
    """Fine-tuning runs adapt in steps (ml.train.adapt), not epochs: runs made before keep their
    figures, with 0 steps."""

    dependencies = [
        ('recognition', '0011_job_and_run_owner_heartbeat'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='finetuning',
            name='epochs',
        ),
        migrations.AddField(
            model_name='finetuning',
            name='steps',
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='finetuning',
            name='step',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='finetuning',
            name='eta_seconds',
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name='finetuning',
            name='best_step',
            field=models.PositiveIntegerField(null=True),
        ),
    ]
