"""Line normalization: contrast from exact gray percentiles; the optional deslant finds and undoes the writing's slant."""
import cv2
import numpy as np
import pytest

from ml.read.preprocess import PreprocessConfig, estimate_slant, gray_percentiles, normalize_line, shear


@pytest.fixture
def upright_ink() -> np.ndarray:
    line = np.zeros((70, 520), np.uint8)
    cv2.putText(line, "Amoxicillin 500 mg", (10, 52), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 255, 3, cv2.LINE_AA)
    return line.astype(np.float32) / 255


def test_shear_leans_the_top_of_a_stroke_right():
    stroke = np.zeros((21, 10), np.float32)
    stroke[:, 2] = 1.0
    leaning = shear(stroke, 0.5)
    assert np.argmax(leaning[-1]) == 2 and np.argmax(leaning[0]) == 12


@pytest.mark.parametrize("slant", [-0.4, 0.0, 0.3, 0.6])
def test_the_slant_given_to_upright_writing_is_found(upright_ink, slant):
    assert estimate_slant(shear(upright_ink, slant)) == pytest.approx(slant, abs=0.1)


def test_deslant_is_part_of_the_model_settings_and_straightens_lines(upright_ink):
    leaning = ((1 - shear(upright_ink, 0.5)) * 255).astype(np.uint8)  # dark ink on paper, as scanned
    straightened = normalize_line(leaning, PreprocessConfig(deslant=True))
    assert estimate_slant(straightened) == pytest.approx(0.0, abs=0.1)
    assert estimate_slant(normalize_line(leaning, PreprocessConfig())) == pytest.approx(0.5, abs=0.1)


def test_gray_percentiles_from_the_histogram_are_numpys_percentiles():
    rng = np.random.default_rng(3)
    for shape in [(1, 1), (7, 3), (40, 300)]:
        gray = rng.integers(0, 256, shape, dtype=np.uint8)
        gray[: shape[0] // 2] = 250  # a tie-heavy image, like paper
        expected = [np.percentile(gray.astype(np.float32), q) for q in (90, 2, 50.5)]
        assert gray_percentiles(gray, (90, 2, 50.5)) == pytest.approx(expected, abs=1e-4)
