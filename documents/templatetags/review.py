"""Template helpers of the review page: how sure the model was, character by character, and
which way each line's writing runs."""
from __future__ import annotations

import json

from django import template

from documents.layouts import place_at_scan_edge, place_runs_along_margin
from documents.models import Page
from documents.selectors import LineView
from ml.segment.drawn_line import writing_direction

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


@register.filter
def unsure(view: LineView, level: float) -> bool:
    return view.unsure(level)


@register.filter
def confidences_json(confidences: list[float] | None) -> str:
    """A reading's per-character confidences as JSON, to two decimals: the review page shades its characters."""
    return json.dumps([round(c, 2) for c in confidences or []])


@register.filter
def flags_json(flags: list) -> str:
    """The spans of a line's flags and whether each is confirmed: the review page marks them in the text."""
    return json.dumps([{"start": f.start, "end": f.end, "confirmed": f.confirmed} for f in flags])


@register.filter
def direction(view: LineView) -> str:
    return writing_direction(view.line.baseline)


@register.filter
def along_margin(place: dict) -> bool:
    """Whether a place of unread ink is shaped like writing running up or down the page."""
    return place_runs_along_margin(place["polygon"])


@register.filter
def at_edge(place: dict, page: Page) -> bool:
    return place_at_scan_edge(place["polygon"], page.width, page.height)
