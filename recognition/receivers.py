from documents.models import Document, Page
from recognition.services import document_process, page_process_again


def process_uploaded_document(sender: type, document: Document, **kwargs: object) -> None:
    document_process(document=document)


def process_turned_page(sender: type, page: Page, **kwargs: object) -> None:
    page_process_again(page=page)
