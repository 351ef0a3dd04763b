"""Training lines rendered in fonts: NAME.png + NAME.gt.txt pairs for ml.train.loop.

    python -m ml.train.rendered_lines --fonts cache/fonts/train --texts ../shared/data/hooker/train \\
        --out cache/rendered/train --count 4000
    python -m ml.train.rendered_lines --fonts cache/fonts/printed --capitals 0.4 ...   # letterheads, forms

The shared collections hold no modern English hand; fonts drawn after people's
print and cursive stand in for them. Each line takes a transcription from the
``--texts`` folders (PAGE/ALTO pages or .gt.txt files) and a random font, and
is drawn word by word with uneven spacing, a wandering baseline, size and
ink; ml.train.loop's augmentation adds slant, wobble and noise on top. Characters a
font has no glyph for are not drawn with it: the line takes another font.

Pages also carry print: letterheads, the prescriber's name and address on a
prescription form, typed letters. ``--capitals`` sets a share of the lines in
capitals spaced apart, as letterheads are.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ml.layout.formats import page_pairs, read_layout
from ml.read.codec import normalize_text

PAPER = (205, 250)  # gray of the paper
INK = (0, 90)  # gray of the ink
SIZES = (30, 50)  # font size in pixels


@dataclass
class Font:
    path: Path
    face: ImageFont.FreeTypeFont  # at a small size, to test which characters it has
    missing: bytes  # what the font draws for a character it lacks

    def draws(self, text: str) -> bool:
        return all(char == " " or _mask(self.face, char) != self.missing for char in set(text))


def load_fonts(folder: Path) -> list[Font]:
    fonts = []
    for path in sorted(folder.rglob("*.[ot]tf")):
        face = ImageFont.truetype(str(path), 24)
        fonts.append(Font(path, face, _mask(face, "\uffff")))
    return fonts


def _mask(face: ImageFont.FreeTypeFont, char: str) -> bytes:
    mask = face.getmask(char)
    return bytes(mask) + bytes(mask.size[0].to_bytes(2, "little"))


def texts_of(folders: list[Path]) -> list[str]:
    """The transcribed lines of pages with PAGE/ALTO XML, and of NAME.gt.txt files."""
    texts = []
    for folder in folders:
        for _, xml in page_pairs(folder):
            texts += [normalize_text(line.text) for line in read_layout(xml).lines]
        texts += [normalize_text(path.read_text("utf-8")) for path in sorted(folder.glob("*.gt.txt"))]
    return [text for text in texts if text]


def render(text: str, font: Font, rng: np.random.Generator, spacing: float = 0.0) -> Image.Image:
    """``text`` written in ``font``: word by word, each at its own height and distance.

    ``spacing`` > 0 draws letter by letter, that many font sizes apart.
    """
    size = int(rng.integers(*SIZES))
    face = ImageFont.truetype(str(font.path), size)
    paper, ink = int(rng.integers(*PAPER)), int(rng.integers(*INK))
    words = text.split(" ")
    widths = [_word_length(face, word, spacing * size) for word in words]
    gaps = [int(face.getlength(" ") * rng.uniform(0.7, 1.6) + spacing * size) for _ in words]
    width = sum(widths) + sum(gaps) + 2 * size
    image = Image.new("L", (width, 2 * size + size // 2), paper)
    draw = ImageDraw.Draw(image)
    x, drift = size // 2, 0.0
    for word, word_width, gap in zip(words, widths, gaps):
        drift = float(np.clip(drift + rng.normal(0, size * 0.04), -size * 0.15, size * 0.15))
        _draw_word(draw, (x, size // 2 + drift), word, face, ink, spacing * size)
        x += word_width + gap
    return image.crop((0, 0, x + size // 2, image.height))


def _word_length(face: ImageFont.FreeTypeFont, word: str, spacing: float) -> int:
    if not spacing:
        return max(int(face.getlength(word)), 1)
    return max(int(sum(face.getlength(char) + spacing for char in word)), 1)


def _draw_word(draw: ImageDraw.ImageDraw, at: tuple[float, float], word: str, face: ImageFont.FreeTypeFont,
               ink: int, spacing: float) -> None:
    if not spacing:
        draw.text(at, word, font=face, fill=ink)
        return
    x, y = at
    for char in word:
        draw.text((x, y), char, font=face, fill=ink)
        x += face.getlength(char) + spacing


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fonts", type=Path, required=True, help="folder of .ttf/.otf fonts (searched below)")
    parser.add_argument("--texts", type=Path, nargs="+", required=True, help="folders whose transcriptions to write")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--capitals", type=float, default=0.0,
                        help="share of the lines set in capitals, spaced apart (letterheads)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    fonts, texts = load_fonts(args.fonts), texts_of(args.texts)
    if not fonts or not texts:
        parser.error(f"found {len(fonts)} fonts and {len(texts)} lines of text")
    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    while written < args.count:
        text = texts[int(rng.integers(len(texts)))]
        font = fonts[int(rng.integers(len(fonts)))]
        spacing = 0.0
        if rng.random() < args.capitals:
            text, spacing = normalize_text(text.upper()), float(rng.uniform(0.0, 0.35))
        if not font.draws(text):
            continue
        name = f"line_{written:05d}"
        render(text, font, rng, spacing).save(args.out / f"{name}.png")
        (args.out / f"{name}.gt.txt").write_text(text + "\n", "utf-8")
        written += 1
    print(f"{written} lines from {len(texts)} texts in {len(fonts)} fonts written to {args.out}")


if __name__ == "__main__":
    main()
