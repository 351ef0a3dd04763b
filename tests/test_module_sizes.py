"""No module of the platform runs past a few screens unless it says at its top why it must."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["ml", "documents", "recognition", "htr_platform"]
MAX_LINES = 400
# A longer module says so in its first lines: "Over 400 lines: <why it is one module>".
REASON = "Over 400 lines:"


def test_no_module_is_over_400_lines_without_a_reason_at_its_top():
    long = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            lines = path.read_text().splitlines()
            if len(lines) > MAX_LINES and not any(REASON in line for line in lines[:10]):
                long.append(f"{path.relative_to(ROOT)}: {len(lines)} lines")
    assert not long, long
