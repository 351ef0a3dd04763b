"""Finding the lines of a page image (``segment_page`` in ml.segment.segmenter), and the checks
that read lines to judge them (show-through, orientation). Uses ml.layout and ml.read."""
