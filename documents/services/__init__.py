"""Everything that writes documents, pages, lines, text versions and places of unread ink.

One module per concern; callers use ``from documents import services`` or import a name from here.
"""
from documents.errors import (
    DocumentNotDeleted,
    FlagsNotConfirmed,
    LineEditRefused,
    LineRemoved,
    NotEditor,
    NotOwner,
    PageNotDeleted,
    PageNotTurned,
    PlaceGone,
    Refused,
    SharingError,
    StaleRevision,
    VersionGone,
)
from documents.services.audit import audit_record
from documents.services.documents import document_delete, document_edit
from documents.services.export_jobs import (
    ExportTooLarge,
    UnknownFormat,
    export_in_background,
    export_job_start,
    export_jobs_delete_expired,
    export_jobs_recover_stale,
    export_size_check,
)
from documents.services.files import orphan_files_delete
from documents.services.imports import document_import
from documents.services.lines import PageState, page_state, line_add, line_redraw, line_remove, lines_turn_round
from documents.services.pages import page_delete, page_lines_create, page_turn, page_turn_upright
from documents.services.place_reading import PlaceLine, page_place_lines_add, place_read, places_read_all
from documents.services.processing import document_tuning_set, pages_processing_set
from documents.services.flags import FlagSpec, line_flags_confirm, line_flags_set
from documents.services.sharing import can_edit, check_editor, document_share, document_share_with, document_unshare
from documents.services.texts import line_text_revert, line_text_save, line_texts_add_model
from documents.services.unread_ink import page_lines_set_aside, page_places_set, unread_ink_mark
from documents.services.uploads import document_pages_add, document_upload

__all__ = [
    "DocumentNotDeleted",
    "ExportTooLarge",
    "UnknownFormat",
    "export_in_background",
    "export_job_start",
    "export_jobs_delete_expired",
    "export_jobs_recover_stale",
    "export_size_check",
    "FlagSpec",
    "FlagsNotConfirmed",
    "NotEditor",
    "VersionGone",
    "audit_record",
    "can_edit",
    "check_editor",
    "line_flags_confirm",
    "line_flags_set",
    "line_text_revert",
    "LineEditRefused",
    "LineRemoved",
    "NotOwner",
    "PageState",
    "PlaceLine",
    "PageNotDeleted",
    "PageNotTurned",
    "PlaceGone",
    "Refused",
    "SharingError",
    "StaleRevision",
    "document_delete",
    "document_edit",
    "document_import",
    "document_pages_add",
    "document_share",
    "document_tuning_set",
    "document_share_with",
    "document_unshare",
    "document_upload",
    "line_add",
    "line_redraw",
    "line_remove",
    "line_text_save",
    "line_texts_add_model",
    "lines_turn_round",
    "orphan_files_delete",
    "page_delete",
    "page_lines_create",
    "page_lines_set_aside",
    "page_place_lines_add",
    "page_places_set",
    "page_state",
    "pages_processing_set",
    "page_turn",
    "page_turn_upright",
    "place_read",
    "places_read_all",
    "unread_ink_mark",
]
