from __future__ import annotations

from django import forms

from documents.models import DocumentKind, DocumentLanguage, ShareRole, default_language
from documents.uploads import UploadedFile


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f] or super().clean(None)


def kind_choice() -> forms.ChoiceField:
    """The kind, chosen on purpose: prescriptions' characters are marked under a stricter confidence."""
    return forms.ChoiceField(
        choices=[("", "Choose…"), *DocumentKind.choices],
        error_messages={"required": "Choose the kind of document: prescriptions are checked more strictly."},
    )


def language_choice() -> forms.ChoiceField:
    """The language the pages are written in, the installation's to begin with: its language model
    reads them. Not given (a client that posts no select): the installation's, or on an edit, as it is."""
    return forms.ChoiceField(
        choices=DocumentLanguage.choices, initial=default_language, required=False,
        help_text="The language the pages are written in: reading them as another reads worse.",
        error_messages={"invalid_choice": "Choose English or French: %(value)s is not a language the platform reads."},
    )


class UploadForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = kind_choice()
    language = language_choice()
    files = MultipleFileField(
        help_text="A PDF, a multi-page TIFF, or several pages as JPEG, PNG or phone photos (HEIC, WebP, AVIF), in the order chosen."
    )


class AddPagesForm(forms.Form):
    files = MultipleFileField(label="Add pages",
                              help_text="Scans or photos, added after the last page in the order chosen.")


class ShareForm(forms.Form):
    username = forms.CharField(max_length=150, label="Share with", help_text="Their username on this platform.")
    role = forms.ChoiceField(choices=ShareRole.choices, initial=ShareRole.VIEWER, label="as", required=False,
                             help_text="A viewer reads and exports; an editor also corrects.")

    def clean_role(self) -> str:
        return self.cleaned_data["role"] or ShareRole.VIEWER  # the least a share can give


class DocumentEditForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=DocumentKind.choices)
    language = language_choice()


class ImportForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = kind_choice()
    language = language_choice()
    images = MultipleFileField(help_text="One image per page.")
    layouts = MultipleFileField(
        label="ALTO or PAGE XML", help_text="One XML file per page, named like its image."
    )


def uploaded(files: list) -> list[UploadedFile]:
    """Django's uploaded files as the platform's plain UploadedFile."""
    return [UploadedFile(name=f.name, file=f, size=f.size) for f in files]
