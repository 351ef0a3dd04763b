from collections import Counter

from ml.read.prescriptions.lm_text import prescription_lines
from ml.read.prescriptions.parse import parse_line


def test_each_name_is_written_in_as_many_prescription_lines_as_asked():
    names = ["amoxicillin", "co-codamol", "insulin glargine"]
    lines = prescription_lines(names, repeats=3, seed=1)

    assert len(lines) == 9
    assert Counter(line.split(" ")[0].lower() for line in lines if "glargine" not in line.lower()) == {
        "amoxicillin": 3, "co-codamol": 3}
    for line in lines:
        parsed = parse_line(line)
        assert parsed.strength is not None and parsed.unit is not None and parsed.frequency is not None, line
    assert prescription_lines(names, repeats=3, seed=1) == lines  # the same file from the same list
