"""The places of unread ink of a page stored before UnreadInk rows become rows, and back."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("documents", "0004_line_flags_audit_share_roles")]
AFTER = [("documents", "0005_unread_ink_rows")]

PLACES = [
    {"id": 1, "polygon": [[0, 0], [9, 0], [9, 9]]},
    {"id": 3, "polygon": [[20, 0], [29, 0], [29, 9]], "note": "mirror writing", "dismissed_by": "ann"},
]


def _migrated(to):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(to)
    return executor.loader.project_state(to).apps


@pytest.mark.django_db(transaction=True)
def test_places_stored_on_the_page_become_rows_and_back():
    apps = _migrated(BEFORE)
    User = apps.get_model("auth", "User")
    ann = User.objects.create(username="ann")
    document = apps.get_model("documents", "Document").objects.create(owner=ann, kind="prescription", title="t")
    page = apps.get_model("documents", "Page").objects.create(
        document=document, number=1, image="p.png", width=40, height=40, unread_ink=PLACES
    )

    apps = _migrated(AFTER)
    rows = list(apps.get_model("documents", "UnreadInk").objects.filter(page_id=page.pk).order_by("number")
                .values_list("number", "polygon", "note", "state", "dismissed_by__username"))
    assert rows == [(1, PLACES[0]["polygon"], "", "open", None),
                    (3, PLACES[1]["polygon"], "mirror writing", "dismissed", "ann")]

    apps = _migrated(BEFORE)
    assert apps.get_model("documents", "Page").objects.get(pk=page.pk).unread_ink == PLACES
    _migrated(MigrationExecutor(connection).loader.graph.leaf_nodes())
