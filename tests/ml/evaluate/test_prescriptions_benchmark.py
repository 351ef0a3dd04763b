"""The prescriptions benchmark's lines: each at a common dose of its drug, so a line read right
carries no flag when the reader is sure of it (only a misreading should be flagged)."""
import numpy as np

from ml.evaluate.prescriptions import prescription_lines
from ml.read.prescriptions.doses import USUAL_DOSES
from ml.read.prescriptions.flags import flag_line
from ml.read.prescriptions.lexicon import DrugLexicon


def test_each_line_is_at_a_common_dose_of_its_drug():
    samples = prescription_lines(np.random.default_rng(0), 2 * len(USUAL_DOSES))
    assert {s.drug for s in samples} == set(USUAL_DOSES)
    assert all(USUAL_DOSES[s.drug].is_common(float(s.strength)) for s in samples)


def test_a_line_read_right_and_sure_has_no_flag():
    lexicon = DrugLexicon.load()
    for sample in prescription_lines(np.random.default_rng(1), 3 * len(USUAL_DOSES)):
        assert flag_line(sample.text, [0.99] * len(sample.text), lexicon) == [], sample.text
