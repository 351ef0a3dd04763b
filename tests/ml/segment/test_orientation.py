"""An upside-down page is told by the shipped recognizer reading its lines both ways round."""
import numpy as np
import pytest
from tests.ml.read.test_pretrained import load_fixture_lines

from ml.layout import TextLine
from ml.read.recognizer import DEFAULT_MODEL_PATH, Recognizer
from ml.segment.orientation import reads_upside_down, upright_turns


@pytest.fixture(scope="module")
def recognizer():
    return Recognizer.load(DEFAULT_MODEL_PATH, device="cpu")


def check(recognizer, images):
    """The check as the platform runs it: on lines it has just read as they are."""
    return reads_upside_down(recognizer, images, recognizer.recognize(images))


def test_upright_lines_are_read_as_they_are(recognizer):
    images, _ = load_fixture_lines()
    assert not check(recognizer, images)


def test_lines_cut_from_an_upside_down_page_are_found_upside_down(recognizer):
    images, _ = load_fixture_lines()
    assert check(recognizer, [np.ascontiguousarray(image[::-1, ::-1]) for image in images])


def test_one_line_is_not_enough_to_turn_a_page(recognizer):
    images, _ = load_fixture_lines()
    assert not check(recognizer, [np.ascontiguousarray(images[0][::-1, ::-1])])
    assert not check(recognizer, [])


@pytest.mark.parametrize(
    "baseline, turns",
    [
        ([(10, 50), (400, 60)], 2),  # baselines run right, the writing left: a half turn
        ([(50, 400), (60, 10)], 3),  # baselines run up, the writing down the page
        ([(50, 10), (60, 400)], 1),  # baselines run down, the writing up the page
    ],
)
def test_a_page_read_upside_down_is_turned_against_its_lines(baseline, turns):
    assert upright_turns([TextLine(id="a", polygon=[], baseline=baseline)] * 3) == turns


def test_the_measuring_command_turns_a_page_given_upside_down_back_and_no_other(tmp_path, capsys):
    from ml.layout.formats import write_page_xml
    from ml.layout import PageLayout
    from ml.segment.orientation import main
    from tests import scans

    page = scans.handwritten_page(count=4)
    page.save(tmp_path / "page.png")
    (tmp_path / "page.xml").write_bytes(write_page_xml(PageLayout(width=page.width, height=page.height)))

    main([str(tmp_path)])

    printed = capsys.readouterr().out
    assert "1 pages" in printed
    assert "upright turned: 0" in printed and "turned wrongly: 0" in printed
    assert "upside down turned upright: 1" in printed
