from documents.models import Document
from recognition.services import document_process


def process_uploaded_document(sender: type, document: Document, **kwargs: object) -> None:
    document_process(document=document)
