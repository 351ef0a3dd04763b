import pytest

from ml.read.prescriptions.parse import parse_line


@pytest.mark.parametrize("line, written, meant", [
    ("Paracetamol 500 mg qds", "mg", "mg"),
    ("Levothyroxine 50 mcg od", "mcg", "mcg"),
    ("Paracetamol 1g qds", "g", "g"),
    ("Lactulose 15 ml bd", "ml", "ml"),
    ("Insulin glargine 10 units nocte", "units", "units"),
    ("Heparin 5000 U bd", "U", "units"),
    ("Colecalciferol 800 IU od", "IU", "units"),
    ("Digoxin 62.5 µg od", "µg", "mcg"),
])
def test_each_unit_is_read_with_what_it_means(line, written, meant):
    item = parse_line(line)
    assert (item.unit.text, item.unit.value) == (written, meant)
    assert line[item.unit.start:item.unit.end] == written


@pytest.mark.parametrize("written, meant", [
    ("od", "once daily"), ("bd", "twice daily"), ("tds", "three times daily"), ("qds", "four times daily"),
    ("prn", "when required"), ("nocte", "at night"), ("QD", "once daily"), ("twice daily", "twice daily"),
])
def test_each_frequency_is_read(written, meant):
    item = parse_line(f"Omeprazole 20 mg {written}")
    assert (item.frequency.text, item.frequency.value) == (written, meant)
    assert item.drug.text == "Omeprazole"


@pytest.mark.parametrize("line, written, meant", [
    ("Amoxicillin 500 mg tds x 7 days", "x 7 days", "7 days"),
    ("Amoxicillin 500 mg tds for 5 days", "for 5 days", "5 days"),
    ("Amoxicillin 500 mg tds x 2 weeks", "x 2 weeks", "2 weeks"),
    ("Amoxicillin 500 mg tds 7/7", "7/7", "7 days"),
])
def test_a_duration_is_read_and_its_number_is_not_the_strength(line, written, meant):
    item = parse_line(line)
    assert (item.duration.text, item.duration.value) == (written, meant)
    assert item.strength.text == "500"


def test_a_whole_line_is_read_into_its_parts_with_spans():
    line = "Amoxicillin 500mg caps po tds x 7 days"
    item = parse_line(line)
    parts = {name: getattr(item, name) for name in ("drug", "strength", "unit", "form", "route", "frequency")}
    assert {name: part.value for name, part in parts.items()} == {
        "drug": "Amoxicillin", "strength": "500", "unit": "mg", "form": "capsule", "route": "by mouth",
        "frequency": "three times daily"}
    assert all(line[part.start:part.end] == part.text for part in parts.values())
    assert item.amount == 500.0 and item.is_item


def test_a_drug_name_of_two_words_is_kept_whole():
    assert parse_line("Sodium valproate 200 mg bd").drug.text == "Sodium valproate"


@pytest.mark.parametrize("written", ["5.0", ".5"])
def test_error_prone_numbers_are_kept_as_written(written):
    item = parse_line(f"Warfarin {written} mg od")
    assert item.strength.text == written
    assert item.amount == float(written)


def test_letters_read_for_digits_before_a_unit_are_the_strength_not_the_name():
    item = parse_line("Amlodipine Smg od")
    assert item.drug.text == "Amlodipine"
    assert item.strength.text == "S" and item.amount is None and item.unit.value == "mg"


def test_a_line_without_dose_frequency_or_form_is_no_item():
    assert not parse_line("Please see the attached letter").is_item
