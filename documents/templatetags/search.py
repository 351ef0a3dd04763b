"""Template helper of the search results: where the text searched for stands in a line."""
from __future__ import annotations

import re

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from documents.text_search import search_pattern

register = template.Library()


@register.filter
def found(text: str, query: str) -> SafeString:
    """``text`` with every occurrence of ``query`` (ignoring case and accents) marked."""
    if not query:
        return format_html("{}", text)
    pieces = re.split(f"({search_pattern(query)})", text)
    return format_html_join("", "{}", ((format_html("<mark>{}</mark>", piece) if i % 2 else piece,)
                                       for i, piece in enumerate(pieces)))
