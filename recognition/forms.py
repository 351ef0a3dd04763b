from __future__ import annotations

from django import forms

from documents.models import DocumentKind


class FineTuningForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        choices=DocumentKind.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label="Verified lines of", help_text="None ticked: every kind.",
    )
    epochs = forms.IntegerField(
        min_value=1, max_value=50, initial=5,
        help_text="Passes over the verified lines. On a CPU each takes minutes for a few hundred lines.",
    )
