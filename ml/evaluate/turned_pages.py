"""Pages lying on their side: are their lines found running the way they are written?

    python -m ml.evaluate.turned_pages ../shared/data/*/val --limit 4 [--line-net FILE]

A page scanned or photographed on its side must be read turned upright
(``ml.segment.segmenter.find_sideways_page``), which only the line network can
tell. Each page is turned a quarter each way and segmented; a found line is
right when its baseline runs as the page's writing does once turned (down the
image for a page turned clockwise, up it for one turned anticlockwise). A
line network is only fit to ship if every line of these pages is right: a new
one can pass line F1 and still mark turned writing as lines across.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ml.evaluate.segmentation import line_net_option
from ml.segment.segmenter import SegmenterConfig
from ml.segment.turned_pages import TurnedFigures, evaluate_turned, runs_the_right_way, turned_figures

__all__ = ["TurnedFigures", "evaluate_turned", "runs_the_right_way", "turned_figures", "main"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="folders of upright page images with PAGE/ALTO beside them")
    parser.add_argument("--limit", type=int, default=4, help="pages per folder (0: all)")
    parser.add_argument("--line-net", help="line network file (default: the shipped one)")
    args = parser.parse_args(argv)
    config = SegmenterConfig(line_net=line_net_option(parser, args.line_net))
    for folder in args.folders:
        print(json.dumps({"folder": str(folder), **turned_figures(folder, config, args.limit).summary()}))


if __name__ == "__main__":
    main()
