"""Who may read and correct a document besides its owner."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from documents.errors import NotOwner, SharingError
from documents.models import Document


def document_share(*, document: Document, user: AbstractBaseUser) -> None:
    if user.pk != document.owner_id:
        document.collaborators.add(user)


def document_share_with(*, document: Document, by: AbstractBaseUser, username: str) -> AbstractBaseUser:
    """The owner lets another user read, correct and export the document."""
    check_owner(document, by)
    user = get_user_model().objects.filter(username__iexact=username.strip()).first()
    if user is None:
        raise SharingError(f"There is no user named “{username.strip()}”. Check the spelling, or ask them to sign up.")
    if user.pk == document.owner_id:
        raise SharingError("You own this document: it is yours already.")
    document_share(document=document, user=user)
    return user


def document_unshare(*, document: Document, by: AbstractBaseUser, username: str) -> bool:
    """The owner stops sharing with ``username``; the texts that person saved stay, with their name
    on them. False when the document was not shared with them."""
    check_owner(document, by)
    people = list(document.collaborators.filter(username=username))
    document.collaborators.remove(*people)
    return bool(people)


def check_owner(document: Document, user: AbstractBaseUser, action: str = "change who it is shared with") -> None:
    if user.pk != document.owner_id:
        raise NotOwner(f"Only the owner of a document can {action}.")
