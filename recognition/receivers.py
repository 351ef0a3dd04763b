from documents.models import Document, Line, Page
from recognition.services import (
    document_imported_follow,
    document_models_forget,
    document_process,
    page_delete_check,
    page_edit_follow,
    page_process_again,
    pages_process,
)


def process_uploaded_document(sender: type, document: Document, **kwargs: object) -> None:
    document_process(document=document)


def find_places_on_imported_document(sender: type, document: Document, **kwargs: object) -> None:
    document_imported_follow(document=document)


def process_turned_page(sender: type, page: Page, **kwargs: object) -> None:
    page_process_again(page=page)


def read_drawn_line(sender: type, page: Page, to_read: Line | None, **kwargs: object) -> None:
    page_edit_follow(page=page, to_read=to_read)


def forget_models_tuned_to_document(sender: type, document: Document, **kwargs: object) -> None:
    document_models_forget(document=document)


def process_added_pages(sender: type, document: Document, pages: list[Page], **kwargs: object) -> None:
    pages_process(pages=pages)


def refuse_deleting_a_page_being_learned(sender: type, page: Page, **kwargs: object) -> None:
    page_delete_check(page=page)
