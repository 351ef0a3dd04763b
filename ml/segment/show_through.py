"""Lines that are ink showing through from the back of the sheet: the recognizer reads them
far surer mirrored than as they are.

On thin paper the writing on the back shows through, mirrored left to right, and
the line network marks it like any writing. Read as it is, it comes out as
unsure nonsense; mirrored, as words. Only lines read unsure are read again
mirrored, so a page of clear writing costs nothing more.
"""
from __future__ import annotations

import numpy as np

from ml.layout import LinePrediction
from ml.read.recognizer import DEFAULT_LANGUAGE, Recognizer

# Lines read at least this sure (mean character confidence) are not checked.
SUSPECT_BELOW = 0.7
# What the mirrored reading must gain. Chosen on the shared train pages, where no line matched
# to a ground-truth line whose mirrored reading has 4 letters gained more than 0.15
# (docs/segmentation.md, "Show-through").
MARGIN = 0.2
# Fewer letters than this say too little either way; digits are not counted, as mirrored
# digits still read as digits (an archivist's "[81]" read back as "(12)", surer).
MIN_LETTERS = 4


def show_through(
    recognizer: Recognizer, line_images: list[np.ndarray], readings: list[LinePrediction],
    *, language: str | None = DEFAULT_LANGUAGE,
) -> list[int]:
    """Indices of the lines that read clearly surer mirrored: ink from the back of the sheet.

    ``readings`` are the recognizer's readings of ``line_images`` as they are, with the
    language model of ``language`` (the mirrored lines are read with the same), which the
    caller has made anyway.
    """
    suspects = [i for i, reading in enumerate(readings) if reading.mean_confidence < SUSPECT_BELOW]
    if not suspects:
        return []
    mirrored = recognizer.recognize([np.ascontiguousarray(line_images[i][:, ::-1]) for i in suspects],
                                    language=language)
    return [
        i
        for i, reading in zip(suspects, mirrored)
        if sum(char.isalpha() for char in reading.text) >= MIN_LETTERS
        and reading.mean_confidence - readings[i].mean_confidence > MARGIN
    ]
