"""Who may read and correct a document besides its owner: viewers read and export, editors also correct."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from documents.errors import NotEditor, NotOwner, SharingError
from documents.models import Document, Share, ShareRole


def document_share(*, document: Document, user: AbstractBaseUser, role: str = ShareRole.EDITOR) -> None:
    """Share ``document`` with ``user`` in ``role``, or change their role."""
    if user.pk != document.owner_id:
        Share.objects.update_or_create(document=document, user=user, defaults={"role": ShareRole(role)})


def document_share_with(*, document: Document, by: AbstractBaseUser, username: str,
                        role: str = ShareRole.VIEWER) -> AbstractBaseUser:
    """The owner lets another user read and export the document (a viewer), and correct it (an editor);
    sharing again changes the role."""
    check_owner(document, by)
    user = get_user_model().objects.filter(username__iexact=username.strip()).first()
    if user is None:
        raise SharingError(f"There is no user named “{username.strip()}”. Check the spelling, or ask them to sign up.")
    if user.pk == document.owner_id:
        raise SharingError("You own this document: it is yours already.")
    if role not in ShareRole.values:
        raise SharingError(f"“{role}” is not a role: give {' or '.join(ShareRole.values)}.")
    document_share(document=document, user=user, role=role)
    return user


def document_unshare(*, document: Document, by: AbstractBaseUser, username: str) -> bool:
    """The owner stops sharing with ``username``; the texts that person saved stay, with their name
    on them. False when the document was not shared with them."""
    check_owner(document, by)
    deleted, _ = Share.objects.filter(document=document, user__username=username).delete()
    return bool(deleted)


def check_owner(document: Document, user: AbstractBaseUser, action: str = "change who it is shared with") -> None:
    if user.pk != document.owner_id:
        raise NotOwner(f"Only the owner of a document can {action}.")


def can_edit(document: Document, user: AbstractBaseUser | None) -> bool:
    """The owner, or someone it is shared with as an editor."""
    if user is None:
        return False
    if user.pk == document.owner_id:
        return True
    return Share.objects.filter(document=document, user_id=user.pk, role=ShareRole.EDITOR).exists()


def check_editor(document: Document, user: AbstractBaseUser | None) -> None:
    if not can_edit(document, user):
        raise NotEditor("This document is shared with you to read and export: only its owner and its editors "
                        "can change it.")
