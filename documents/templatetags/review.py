"""Template helpers of the review page: how sure the model was, character by character, and
which way each line's writing runs."""
from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from documents.layouts import place_at_scan_edge, place_runs_along_margin
from documents.models import Page
from documents.selectors import LineView
from ml.segment.drawn_line import writing_direction

register = template.Library()


@register.simple_tag
def confidence_marked(text: str, confidences: list[float], threshold: float) -> SafeString:
    """The text with every character read below ``threshold`` marked, its confidence in the title."""
    if len(confidences) != len(text):
        return format_html("{}", text)
    return format_html_join(
        "",
        "{}",
        (
            (format_html('<mark class="low" title="{}% sure">{}</mark>', round(c * 100), ch) if c < threshold else ch,)
            for ch, c in zip(text, confidences)
        ),
    )


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


@register.filter
def unsure(view: LineView, threshold: float) -> bool:
    return view.unsure(threshold)


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
