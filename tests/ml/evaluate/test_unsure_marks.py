import pytest

from ml.layout import LinePrediction
from ml.evaluate.unsure_marks import expected_errors, line_mark_figures, mark_figures


def reading(text: str, unsure: str = "") -> LinePrediction:
    """A prediction of ``text`` whose characters at the positions marked '?' in ``unsure`` are 50 % sure."""
    return LinePrediction(text, [0.5 if mark == "?" else 0.99 for mark in unsure.ljust(len(text))])


def test_marks_on_misread_characters_and_right_lines_are_counted_apart():
    references = ["5 mg daily", "take two", "at night"]
    predictions = [
        reading("3 mg daily", "?"),  # misread, and marked on the misread character
        reading("take twa", "      "),  # misread, not marked
        reading("at night", "   ?"),  # right, marked for nothing
    ]

    figures = mark_figures(references, predictions, threshold=0.9)

    assert (figures.wrong_lines, figures.wrong_lines_marked) == (2, 1)
    assert (figures.right_lines, figures.right_lines_marked) == (1, 1)
    assert (figures.wrong_chars, figures.wrong_chars_marked) == (2, 1)
    assert (figures.chars_read, figures.chars_marked) == (26, 2)
    assert figures.shares()["wrong_lines_marked"] == 0.5


def test_an_inserted_character_is_a_wrong_one_and_a_dropped_one_counts_only_for_its_line():
    figures = mark_figures(["10 mg", "10 mg"], [reading("100 mg", "  ?"), reading("1 mg", " ?")], threshold=0.7)

    assert figures.wrong_chars == 1  # the inserted 0; the dropped 0 has no character to mark
    assert figures.wrong_chars_marked == 1
    assert (figures.wrong_lines, figures.wrong_lines_marked) == (2, 2)


def test_the_threshold_decides_what_is_marked():
    prediction = LinePrediction("5 mg", [0.8, 0.99, 0.99, 0.99])
    assert mark_figures(["3 mg"], [prediction], threshold=0.7).wrong_chars_marked == 0
    assert mark_figures(["3 mg"], [prediction], threshold=0.9).wrong_chars_marked == 1


def test_expected_errors_add_up_what_each_character_is_expected_to_be_wrong():
    assert expected_errors([0.5, 0.9, 1.0]) == pytest.approx(0.6)
    assert expected_errors([]) == 0.0


def test_line_marks_count_the_lines_marked_and_the_errors_they_hold():
    references = ["5 mg daily", "take two", "at night"]
    predictions = [
        reading("3 mg dily", "??"),  # 2 errors (a misread 5, a dropped a), 1.07 expected
        reading("take twa"),  # 1 error, 0.08 expected: not marked
        reading("at night", "  ??"),  # right, 1.06 expected: marked for nothing
    ]

    figures = line_mark_figures(references, predictions, level=1.0)

    assert (figures.lines, figures.lines_marked) == (3, 2)
    assert (figures.wrong_lines, figures.wrong_lines_marked) == (2, 1)
    assert (figures.errors, figures.errors_marked) == (3, 2)
    assert figures.shares()["errors_on_marked_lines"] == pytest.approx(2 / 3)
