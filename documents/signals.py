from django.dispatch import Signal

# Sent inside the upload transaction with ``document``; recognition queues its jobs on it.
# A signal keeps documents/ from importing recognition/ (see DESIGN.md).
document_uploaded = Signal()

# Sent inside the transaction that added ``pages`` at the end of ``document``; recognition queues them.
pages_added = Signal()

# Sent inside the import transaction with ``document``, whose pages have their lines and text:
# recognition queues the search for ink those lines leave out.
document_imported = Signal()

# Sent inside the transaction that turned ``page`` and removed its lines; recognition queues it again,
# or raises documents.services.PageNotTurned when it cannot.
page_turned = Signal()

# Sent inside the transaction that adds a line a person drew, gives one a new box, or removes one
# on ``page``; recognition has ``to_read`` read (a drawn line without a person's text; None for
# none), or raises documents.services.LineEditRefused while the page is still being processed.
page_lines_edited = Signal()

# Sent inside the transaction that deletes ``document``, before it goes; recognition forgets the
# models tuned to it, or raises documents.services.DocumentNotDeleted while one is being tuned.
document_deleting = Signal()

# Sent inside the transaction that deletes ``page``, before it goes; recognition raises
# documents.services.PageNotDeleted while a model is being tuned to its document.
page_deleting = Signal()
