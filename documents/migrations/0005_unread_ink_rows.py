"""Places of unread ink move from the JSON list Page.unread_ink to UnreadInk rows."""
import django.db.models.deletion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import migrations, models


def places_to_rows(apps, schema_editor):
    Page = apps.get_model("documents", "Page")
    UnreadInk = apps.get_model("documents", "UnreadInk")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    username = get_user_model().USERNAME_FIELD  # historical models have no USERNAME_FIELD
    users = {}
    for page in Page.objects.iterator():
        rows = []
        for place in page.unread_ink or []:
            dismisser = place.get("dismissed_by")
            if dismisser and dismisser not in users:
                users[dismisser] = User.objects.filter(**{username: dismisser}).first()
            rows.append(UnreadInk(
                page=page, number=place["id"], polygon=place["polygon"], note=place.get("note", ""),
                state="dismissed" if dismisser else "open", dismissed_by=users.get(dismisser) if dismisser else None,
            ))
        UnreadInk.objects.bulk_create(rows)


def rows_to_places(apps, schema_editor):
    Page = apps.get_model("documents", "Page")
    UnreadInk = apps.get_model("documents", "UnreadInk")
    username = get_user_model().USERNAME_FIELD
    by_page = {}
    for ink in UnreadInk.objects.select_related("dismissed_by").order_by("page", "number"):
        place = {"id": ink.number, "polygon": ink.polygon}
        if ink.note:
            place["note"] = ink.note
        if ink.state == "dismissed":
            place["dismissed_by"] = getattr(ink.dismissed_by, username) if ink.dismissed_by else "?"
        by_page.setdefault(ink.page_id, []).append(place)
    for page_id, places in by_page.items():
        Page.objects.filter(pk=page_id).update(unread_ink=places)


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0004_line_flags_audit_share_roles'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='UnreadInk',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('polygon', models.JSONField()),
                ('note', models.TextField(blank=True)),
                ('state', models.CharField(choices=[('open', 'Open'), ('dismissed', 'Dismissed')], default='open', max_length=10)),
                ('dismissed_at', models.DateTimeField(blank=True, null=True)),
                ('dismissed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='unread_inks', to='documents.page')),
            ],
            options={
                'ordering': ['page', 'number'],
                'constraints': [models.UniqueConstraint(fields=('page', 'number'), name='unique_unread_ink_number')],
            },
        ),
        migrations.RunPython(places_to_rows, rows_to_places),
        migrations.RemoveField(
            model_name='page',
            name='unread_ink',
        ),
    ]
