from __future__ import annotations

from rest_framework import serializers

from documents.serializers import kind_field
from recognition.models import FineTuning, RecognitionModel
from recognition.selectors import fine_tuning_outcome, model_figures


class RecognitionModelSerializer(serializers.ModelSerializer):
    """Give the context ``read``: kinds_read of every model, for ``reads``."""

    figures = serializers.SerializerMethodField()
    reads = serializers.SerializerMethodField(help_text="the kinds of document whose new pages it reads")

    class Meta:
        model = RecognitionModel
        fields = ["id", "name", "version", "is_current", "reads", "created", "figures", "metrics"]

    def get_figures(self, model: RecognitionModel) -> str:
        return model_figures(model)

    def get_reads(self, model: RecognitionModel) -> list[str]:
        return self.context["read"].get(model.id, [])


class ModelUseSerializer(serializers.Serializer):
    kind = kind_field(required=False, allow_blank=True, default="",
                      help_text="read new pages of this kind with it; blank: make it the current model")


class FineTuningSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.get_username", default=None)
    model = serializers.CharField(source="model.version", default=None)
    base_model = serializers.CharField(source="base_model.version", default=None)
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = FineTuning
        fields = ["id", "requested_by", "kind", "document", "steps", "state", "progress", "step", "eta_seconds",
                  "error", "base_model", "model", "train_lines", "holdout_lines", "best_step", "cer_before",
                  "cer_after", "sure", "promoted", "outcome", "created", "started", "finished"]

    def get_outcome(self, run: FineTuning) -> str:
        return fine_tuning_outcome(run)


class FineTuningStartSerializer(serializers.Serializer):
    kind = kind_field(required=False, allow_blank=True, default="",
                      help_text="the kind of document whose checked lines train it and whose pages it reads if "
                                "better; blank: every kind (it replaces the current model)")
    steps = serializers.IntegerField(min_value=1, max_value=5000, default=FineTuning.STAFF_STEPS,
                                     help_text="at most this many steps of 4 lines")
