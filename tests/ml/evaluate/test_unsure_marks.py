from ml.evaluate.unsure_marks import mark_figures
from ml.layout import LinePrediction


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
