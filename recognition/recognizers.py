"""Recognizers loaded once per worker process and kept for its lifetime."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from recognition.errors import ModelFileMissing

if TYPE_CHECKING:
    from ml.read.recognizer import Recognizer
    from ml.segment.segmenter import SegmenterConfig

_loaded: dict[str, "Recognizer"] = {}
_lock = threading.Lock()


def default_model_path() -> str:
    if settings.HTR_MODEL_PATH:
        return settings.HTR_MODEL_PATH
    from ml.read.recognizer import DEFAULT_MODEL_PATH

    return str(DEFAULT_MODEL_PATH)


def shipped_models_dir() -> Path:
    """The folder of the model files that come with the code (and go with an upgrade)."""
    from ml.read.recognizer import DEFAULT_MODEL_PATH

    return DEFAULT_MODEL_PATH.parent


def recognizer_load(path: str) -> "Recognizer":
    """The recognizer for a model file, loaded on first use (on the GPU when there is one)."""
    with _lock:
        if path not in _loaded:
            if not Path(path).is_file():
                raise ModelFileMissing(f"The recognition model file {path} is missing.")
            # Imported here so that torch is loaded by workers only, not by the web process.
            from ml.read.recognizer import Recognizer

            _loaded[path] = Recognizer.load(path, widths=settings.RECOGNITION_READ_WIDTHS,
                                            cpu_bf16=settings.HTR_CPU_BF16, threads=settings.HTR_TORCH_THREADS or None)
        return _loaded[path]


def segmenter_config() -> "SegmenterConfig":
    """How the workers segment pages: the shipped line network, run as the settings say."""
    from ml.segment.segmenter import SegmenterConfig

    return SegmenterConfig(cpu_bf16=settings.HTR_CPU_BF16)
