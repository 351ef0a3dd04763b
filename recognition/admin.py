from django.contrib import admin

from recognition.models import FineTuning, FormularyDrug, Job, RecognitionModel


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "document", "page", "stage", "state", "progress", "attempts", "heartbeat"]
    list_filter = ["state", "stage"]


@admin.register(RecognitionModel)
class RecognitionModelAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "is_current", "created"]


@admin.register(FineTuning)
class FineTuningAdmin(admin.ModelAdmin):
    list_display = ["created", "requested_by", "state", "progress", "model", "cer_before", "cer_after"]
    list_filter = ["state"]


@admin.register(FormularyDrug)
class FormularyDrugAdmin(admin.ModelAdmin):
    list_display = ["name", "added_by", "created"]
    search_fields = ["name"]
