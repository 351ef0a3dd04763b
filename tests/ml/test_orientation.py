"""An upside-down page is told by the shipped recognizer reading its lines both ways round."""
import numpy as np
import pytest
from test_pretrained import load_fixture_lines

from ml.orientation import reads_upside_down
from ml.recognizer import DEFAULT_MODEL_PATH, Recognizer


@pytest.fixture(scope="module")
def recognizer():
    return Recognizer.load(DEFAULT_MODEL_PATH, device="cpu")


def test_upright_lines_are_read_as_they_are(recognizer):
    images, _ = load_fixture_lines()
    assert not reads_upside_down(recognizer, images)


def test_lines_cut_from_an_upside_down_page_are_found_upside_down(recognizer):
    images, _ = load_fixture_lines()
    assert reads_upside_down(recognizer, [np.ascontiguousarray(image[::-1, ::-1]) for image in images])


def test_one_line_is_not_enough_to_turn_a_page(recognizer):
    images, _ = load_fixture_lines()
    assert not reads_upside_down(recognizer, [np.ascontiguousarray(images[0][::-1, ::-1])])
    assert not reads_upside_down(recognizer, [])
