from __future__ import annotations

from rest_framework import serializers

from documents.serializers import kind_field
from recognition.models import FineTuning, RecognitionModel
from recognition.selectors import fine_tuning_outcome, model_figures


class RecognitionModelSerializer(serializers.ModelSerializer):
    figures = serializers.SerializerMethodField()

    class Meta:
        model = RecognitionModel
        fields = ["id", "name", "version", "is_current", "created", "figures", "metrics"]

    def get_figures(self, model: RecognitionModel) -> str:
        return model_figures(model)


class FineTuningSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.get_username", default=None)
    model = serializers.CharField(source="model.version", default=None)
    base_model = serializers.CharField(source="base_model.version", default=None)
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = FineTuning
        fields = ["id", "requested_by", "kinds", "epochs", "state", "progress", "error", "base_model", "model",
                  "train_lines", "holdout_lines", "cer_before", "cer_after", "promoted", "outcome",
                  "created", "started", "finished"]

    def get_outcome(self, run: FineTuning) -> str:
        return fine_tuning_outcome(run)


class FineTuningStartSerializer(serializers.Serializer):
    kinds = serializers.ListField(child=kind_field(), required=False, default=list,
                                  help_text="kinds of documents whose verified lines train it; none: every kind")
    epochs = serializers.IntegerField(min_value=1, max_value=50, default=5)
