"""Pages of handwriting-like lines drawn at known baselines, for the segmenter's tests."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ml.layout import PageLayout, TextLine
from ml.layout.formats import write_page_xml

PAPER, INK, RULING = 232, 35, 185
WORDS = "the quick brown fox jumps over a lazy dog while seven wizards quietly hex my jolly bag".split()
FONT = cv2.FONT_HERSHEY_SCRIPT_SIMPLEX

Baseline = tuple[tuple[float, float], tuple[float, float]]


def draw_page(
    lines: int = 8,
    width: int = 1400,
    height: int = 1800,
    spacing: int = 110,
    columns: int = 1,
    gutter: int = 300,
    skew: float = 0.0,
    ruled: bool = False,
    seed: int = 0,
) -> tuple[np.ndarray, list[Baseline]]:
    """A page of handwriting-like lines and the baselines they were drawn on, in reading order."""
    rng = np.random.default_rng(seed)
    page = np.full((height, width), PAPER, np.uint8)
    if ruled:
        for y in range(60, height, spacing // 2):
            cv2.line(page, (0, y), (width, y), RULING, 2)
        cv2.line(page, (90, 0), (90, height), RULING - 20, 2)
    margin = 130
    column_width = (width - 2 * margin - (columns - 1) * gutter) // columns
    baselines = []
    for column in range(columns):
        left = margin + column * (column_width + gutter)
        for row in range(lines):
            y = 220 + row * spacing
            x = left
            while True:
                word = WORDS[int(rng.integers(len(WORDS)))]
                (w, _), _ = cv2.getTextSize(word, FONT, 1.6, 3)
                if x + w > left + column_width:
                    break
                cv2.putText(page, word, (x, y), FONT, 1.6, INK, 3, cv2.LINE_AA)
                x += w + 30
            baselines.append(((left, y), (x - 30, y)))
    if skew:
        rotation = cv2.getRotationMatrix2D((width / 2, height / 2), skew, 1.0)
        page = cv2.warpAffine(page, rotation, (width, height), borderValue=PAPER)
        baselines = [tuple(tuple(rotation[:, :2] @ p + rotation[:, 2]) for p in b) for b in baselines]
    return page, baselines


def make_folder(folder: Path, spacing: int = 110) -> list[str]:
    """One page image with its ground truth beside it; returns the line texts."""
    page, drawn = draw_page(lines=4, spacing=spacing)
    # Ground truth as a transcriber draws it: the words' extent with a few pixels to spare.
    (_, above), below = cv2.getTextSize("Ag", FONT, 1.6, 3)
    texts = [f"line {n}" for n in range(len(drawn))]
    truth = PageLayout(width=page.shape[1], height=page.shape[0], image_filename="page.png")
    for n, ((x0, y0), (x1, y1)) in enumerate(drawn):
        polygon = [(x0, y0 - above - 5), (x1, y0 - above - 5), (x1, y1 + below + 5), (x0, y1 + below + 5)]
        truth.lines.append(TextLine(id=f"l{n}", polygon=polygon, baseline=[(x0, y0), (x1, y1)], text=texts[n]))
    cv2.imwrite(str(folder / "page.png"), page)
    (folder / "page.xml").write_bytes(write_page_xml(truth))
    (folder / "notes.txt").write_text("not a page")
    return texts


PRINT = cv2.FONT_HERSHEY_DUPLEX
LETTERHEAD = "ST MARY'S PHARMACY  -  12 HIGH STREET, SPRINGFIELD  -  TEL 0123 456 789"


def draw_letter(
    lines: int = 10, spacing: int = 110, print_scale: float = 0.9, seed: int = 0
) -> tuple[np.ndarray, list[Baseline]]:
    """A letter: a printed letterhead across the top, ``lines`` handwritten lines, and a short
    handwritten note in the right margin beside the third; the baselines of the letterhead, the
    lines and the note, in reading order (the margin, a column of its own, after the text)."""
    text, drawn = draw_page(lines=lines, width=1400, height=1700, spacing=spacing, seed=seed)
    page = np.full((text.shape[0], text.shape[1] + 350), PAPER, np.uint8)
    page[:, : text.shape[1]] = text
    (width, _), _ = cv2.getTextSize(LETTERHEAD, PRINT, print_scale, 2)
    x = (text.shape[1] - width) // 2
    cv2.putText(page, LETTERHEAD, (x, 100), PRINT, print_scale, INK, 2, cv2.LINE_AA)
    (note_width, _), _ = cv2.getTextSize("2 tabs", FONT, 1.3, 3)
    note_x, note_y = text.shape[1] + 60, drawn[2][0][1]
    cv2.putText(page, "2 tabs", (note_x, note_y), FONT, 1.3, INK, 3, cv2.LINE_AA)
    return page, [((x, 100), (x + width, 100)), *drawn, ((note_x, note_y), (note_x + note_width, note_y))]
