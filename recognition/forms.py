from __future__ import annotations

from django import forms

from documents.models import DocumentKind
from recognition.models import FineTuning

KIND_CHOICES = [("", "Every kind"), *DocumentKind.choices]


class FineTuningForm(forms.Form):
    kind = forms.ChoiceField(
        choices=KIND_CHOICES, required=False, initial="", widget=forms.RadioSelect, label="Checked lines of",
        help_text="A run for one kind starts from the model that reads it and, if it reads that kind better, "
                  "reads its new pages only; a run for every kind replaces the current model.",
    )
    steps = forms.IntegerField(
        min_value=1, max_value=5000, initial=FineTuning.STAFF_STEPS,
        help_text="At most this many steps of 4 lines; the run stops sooner when the lines held out to choose the "
                  "step stop improving or its time budget (FINE_TUNING_STAFF_TIME_BUDGET) is spent.",
    )


class ModelUseForm(forms.Form):
    kind = forms.ChoiceField(choices=KIND_CHOICES, required=False)


class FormularyForm(forms.Form):
    names = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Add drug names",
        help_text="One a line: names of your pharmacy's formulary that prescriptions are checked against beside "
                  "the shipped list. They apply to lines checked from now on.",
    )
