from __future__ import annotations

from django import forms

from documents.models import DocumentKind
from recognition.models import FineTuning

KIND_CHOICES = [("", "Every kind"), *DocumentKind.choices]


class FineTuningForm(forms.Form):
    kind = forms.ChoiceField(
        choices=KIND_CHOICES, required=False, initial="", widget=forms.RadioSelect, label="Verified lines of",
        help_text="A run for one kind starts from the model that reads it and, if it reads that kind better, "
                  "reads its new pages only; a run for every kind replaces the current model.",
    )
    epochs = forms.IntegerField(
        min_value=1, max_value=50, initial=FineTuning.DEFAULT_EPOCHS,
        help_text="Passes over the verified lines. On a CPU each takes minutes for a few hundred lines.",
    )


class ModelUseForm(forms.Form):
    kind = forms.ChoiceField(choices=KIND_CHOICES, required=False)


class FormularyForm(forms.Form):
    names = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Add drug names",
        help_text="One a line: names of your pharmacy's formulary that prescriptions are checked against beside "
                  "the shipped list. They apply to lines checked from now on.",
    )
