from django.dispatch import Signal

# Sent inside the upload transaction with ``document``; recognition queues its jobs on it.
# A signal keeps documents/ from importing recognition/ (see DESIGN.md).
document_uploaded = Signal()
