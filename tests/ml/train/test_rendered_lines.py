"""Lines rendered in fonts for training (ml.train.rendered_lines), with fonts matplotlib ships."""
import shutil
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image

from ml.train.rendered_lines import load_fonts, main

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
TEXT = "Dear Dyer, thank you for 3 plants"


def test_a_font_without_the_texts_characters_is_not_used(tmp_path):
    shutil.copy(FONTS / "DejaVuSans.ttf", tmp_path)
    shutil.copy(FONTS / "STIXSizOneSymReg.ttf", tmp_path)  # large math symbols, no letters

    fonts = {font.path.name: font for font in load_fonts(tmp_path)}

    assert fonts["DejaVuSans.ttf"].draws(TEXT)
    assert not fonts["STIXSizOneSymReg.ttf"].draws(TEXT)


def test_rendered_lines_are_image_and_text_pairs_with_dark_writing(tmp_path):
    fonts, texts, out = tmp_path / "fonts", tmp_path / "texts", tmp_path / "out"
    fonts.mkdir(), texts.mkdir()
    shutil.copy(FONTS / "DejaVuSans-Oblique.ttf", fonts)
    (texts / "letter.gt.txt").write_text(TEXT + "\n", "utf-8")

    main(["--fonts", str(fonts), "--texts", str(texts), "--out", str(out), "--count", "3"])

    images = sorted(out.glob("*.png"))
    assert len(images) == 3
    for path in images:
        assert path.with_suffix("").with_suffix(".gt.txt").read_text("utf-8") == TEXT + "\n"
        gray = np.asarray(Image.open(path))
        assert gray.shape[1] > 5 * gray.shape[0]  # a line of 33 characters
        assert gray.min() < 100 < np.median(gray)  # dark strokes on lighter paper


def test_capitals_are_written_spaced_apart_and_transcribed_as_capitals(tmp_path):
    fonts, texts = tmp_path / "fonts", tmp_path / "texts"
    fonts.mkdir(), texts.mkdir()
    shutil.copy(FONTS / "DejaVuSerif.ttf", fonts)
    (texts / "letterhead.gt.txt").write_text("Kew, Richmond\n", "utf-8")

    main(["--fonts", str(fonts), "--texts", str(texts), "--out", str(tmp_path / "plain"), "--count", "20"])
    main(["--fonts", str(fonts), "--texts", str(texts), "--out", str(tmp_path / "caps"), "--count", "20",
          "--capitals", "1"])

    caps = {path.read_text("utf-8") for path in (tmp_path / "caps").glob("*.gt.txt")}
    assert caps == {"KEW, RICHMOND\n"}

    def width_per_height(folder: str) -> float:
        return float(np.mean([Image.open(path).width / Image.open(path).height
                              for path in (tmp_path / folder).glob("*.png")]))

    assert width_per_height("caps") > 1.15 * width_per_height("plain")  # capitals are wider, and spaced
