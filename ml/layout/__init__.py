"""What every stage passes on: a page's lines and regions (ml.layout.page), their reading order,
baseline spacing and the PAGE/ALTO formats. Imports nothing else of ml."""
from ml.layout.page import LinePrediction, PageLayout, Point, TextLine, TextRegion, rescale

__all__ = ["LinePrediction", "PageLayout", "Point", "TextLine", "TextRegion", "rescale"]
