import pytest

from ml.layout import LinePrediction
from ml.read.prescriptions import flags as F
from ml.read.prescriptions.lexicon import DrugLexicon


@pytest.fixture(scope="module")
def lexicon():
    return DrugLexicon.load()


def sure(line: str) -> list[float]:
    return [0.99] * len(line)


def kinds(found):
    return [flag.kind for flag in found]


def test_a_clean_line_read_with_confidence_has_no_flag(lexicon):
    line = "Amoxicillin 500 mg caps tds x 7 days"
    assert F.flag_line(line, sure(line), lexicon) == []


def test_an_unsure_digit_in_the_strength_is_flagged_on_that_number(lexicon):
    line = "Amoxicillin 500 mg tds"
    confidences = sure(line)
    confidences[line.index("500") + 1] = 0.41
    [flag] = F.flag_line(line, confidences, lexicon, threshold=0.5)
    assert flag.kind == F.UNSURE_CHARACTER and line[flag.start:flag.end] == "500"
    assert "'0' (41%)" in flag.reason


def test_by_default_only_a_character_the_reader_all_but_ruled_out_is_unsure(lexicon):
    line = "Amoxicillin 500 mg tds"
    confidences = sure(line)
    confidences[line.index("500") + 1] = 0.3
    assert F.flag_line(line, confidences, lexicon) == []
    confidences[line.index("500") + 1] = F.DEFAULT_THRESHOLD / 2
    assert kinds(F.flag_line(line, confidences, lexicon)) == [F.UNSURE_CHARACTER]


def test_the_threshold_decides_what_is_unsure(lexicon):
    line = "Amoxicillin 500 mg tds"
    confidences = sure(line)
    confidences[line.index("500")] = 0.8
    assert kinds(F.flag_line(line, confidences, lexicon, threshold=0.9)) == [F.UNSURE_CHARACTER]
    assert F.flag_line(line, confidences, lexicon, threshold=0.7) == []


def test_an_unsure_letter_in_a_listed_name_offers_names_like_it(lexicon):
    line = "Hydralazine 25 mg bd"
    confidences = sure(line)
    confidences[3] = 0.005
    [flag] = F.flag_line(line, confidences, lexicon)
    assert (flag.kind, flag.start, flag.end) == (F.UNSURE_CHARACTER, 0, len("Hydralazine"))
    assert flag.suggestions and "hydralazine" not in flag.suggestions


def test_a_name_not_in_the_lexicon_is_flagged_with_the_nearest_names(lexicon):
    line = "Amoxicilin 500 mg tds"
    [flag] = F.flag_line(line, sure(line), lexicon)
    assert flag.kind == F.UNKNOWN_DRUG and (flag.start, flag.end) == (0, 10)
    assert flag.suggestions[0] == "amoxicillin" and "amoxicillin" in flag.reason


def test_a_formulary_name_added_locally_is_not_flagged():
    line = "Zapomycin 250 mg bd"
    assert F.flag_line(line, sure(line), DrugLexicon.load(extra=["Zapomycin"])) == []


@pytest.mark.parametrize("line, written, instead", [
    ("Heparin 5000 U sc bd", "U", "units"),
    ("Colecalciferol 800 IU od", "IU", "units"),
    ("Omeprazole 20 mg QD", "QD", "od (once daily)"),
    ("Warfarin 5.0 mg od", "5.0", "5"),
    ("Colchicine .5 mg bd", ".5", "0.5"),
    ("Digoxin 125 µg od", "µg", "mcg"),
])
def test_each_error_prone_form_is_flagged_with_what_to_write(lexicon, line, written, instead):
    found = [flag for flag in F.flag_line(line, sure(line), lexicon) if flag.kind == F.ERROR_PRONE]
    assert [(line[flag.start:flag.end], flag.suggestions) for flag in found] == [(written, (instead,))]


def test_a_strength_outside_the_usual_range_is_flagged(lexicon):
    line = "Amoxicillin 5000 mg tds"
    [flag] = F.flag_line(line, sure(line), lexicon)
    assert flag.kind == F.UNUSUAL_STRENGTH and line[flag.start:flag.end] == "5000 mg"
    assert "125-1000 mg" in flag.reason


def test_strengths_are_compared_across_mass_units(lexicon):
    assert F.flag_line("Levothyroxine 0.1 mg od", sure("Levothyroxine 0.1 mg od"), lexicon) == []
    assert kinds(F.flag_line("Levothyroxine 100 mg od", sure("Levothyroxine 100 mg od"), lexicon)) == [
        F.UNUSUAL_STRENGTH]


@pytest.mark.parametrize("line", ["Amoxicillin 250 mg tds", "Amoxicillin 1 g tds", "Amoxicillin 1000mg tds",
                                  "Digoxin 0.125 mg od", "Salbutamol 2.5 mg nebs qds", "Warfarin 3.5 mg od",
                                  "Insulin 37 units mane", "Levothyroxine 175 mcg od"])
def test_a_common_dose_is_not_flagged(lexicon, line):
    assert F.flag_line(line, sure(line), lexicon) == []


@pytest.mark.parametrize("line, strength", [("Amoxicillin 300 mg tds", "300 mg"), ("Flucloxacillin 1.5 g qds", "1.5 g"),
                                            ("Atorvastatin 30 mg nocte", "30 mg"), ("Warfarin 3.7 mg od", "3.7 mg"),
                                            ("Methotrexate 12 mg weekly", "12 mg")])
def test_a_strength_in_range_but_no_common_dose_is_flagged(lexicon, line, strength):
    [flag] = F.flag_line(line, sure(line), lexicon)
    assert flag.kind == F.UNCOMMON_DOSE and line[flag.start:flag.end] == strength
    assert "check each digit" in flag.reason and flag.suggestions == ()


def test_an_uncommon_dose_names_the_common_ones_in_the_drugs_unit(lexicon):
    [flag] = F.flag_line("Amoxicillin 300 mg tds", sure("Amoxicillin 300 mg tds"), lexicon)
    assert "(125, 250, 500, 1000 mg)" in flag.reason
    [flag] = F.flag_line("Warfarin 3.7 mg od", sure("Warfarin 3.7 mg od"), lexicon)
    assert "0.5 to 10 mg in steps of 0.5 mg" in flag.reason


def test_one_digit_changed_in_a_common_dose_is_flagged_inside_the_usual_range(lexicon):
    line = "Amoxicillin 500 mg tds"
    for digit in "2346789":  # 200 to 900 mg: all inside amoxicillin's usual 125-1000 mg
        changed = line.replace("500", digit + "00")
        assert kinds(F.flag_line(changed, sure(changed), lexicon)) == [F.UNCOMMON_DOSE], changed


def test_a_common_dose_with_a_digit_too_many_in_front_is_flagged(lexicon):
    assert kinds(F.flag_line("Amoxicillin 0500 mg tds", sure("Amoxicillin 0500 mg tds"), lexicon)) == [
        F.UNROUND_STRENGTH]


def test_a_unit_of_the_wrong_kind_is_flagged(lexicon):
    line = "Insulin glargine 10 mg nocte"
    [flag] = F.flag_line(line, sure(line), lexicon)
    assert flag.kind == F.UNIT_MISMATCH and line[flag.start:flag.end] == "mg" and flag.suggestions == ("units",)


def test_a_misread_name_does_not_hide_a_misread_dose(lexicon):
    line = "Amoxicilin 5000 mg tds"
    assert kinds(F.flag_line(line, sure(line), lexicon)) == [F.UNKNOWN_DRUG, F.UNUSUAL_STRENGTH]


def test_missing_and_unreadable_strengths_are_flagged(lexicon):
    assert kinds(F.flag_line("Paracetamol 500 qds", sure("Paracetamol 500 qds"), lexicon)) == [F.MISSING_UNIT]
    assert kinds(F.flag_line("Amlodipine Smg od", sure("Amlodipine Smg od"), lexicon)) == [F.UNREADABLE_NUMBER]
    assert kinds(F.flag_line("Amlodipine tabs od", sure("Amlodipine tabs od"), lexicon)) == [F.NO_STRENGTH]


def test_a_prediction_is_flagged_with_its_own_confidences(lexicon):
    text = "Warfarin 5 mg od"
    confidences = sure(text)
    confidences[text.index("5")] = 0.005
    flags = F.flag_prediction(LinePrediction(text, confidences), lexicon)
    assert [(f.kind, text[f.start:f.end]) for f in flags] == [(F.UNSURE_CHARACTER, "5")]


@pytest.mark.parametrize("strength, flagged", [("259", True), ("1005", True), ("250", False), ("62.5", False),
                                               ("12.5", False), ("3.75", False), ("0.125", False), ("45", False),
                                               ("0125", True)])
def test_a_strength_that_is_no_round_figure_is_flagged(lexicon, strength, flagged):
    line = f"Zapomycin {strength} mg bd"
    found = F.flag_line(line, sure(line), DrugLexicon(["zapomycin"]))
    assert kinds(found) == ([F.UNROUND_STRENGTH] if flagged else [])


def test_a_line_garbled_past_its_dose_is_still_checked_when_it_starts_like_a_drug(lexicon):
    line = "Preyabalin I3smy pren for s days"
    assert F.UNKNOWN_DRUG in kinds(F.flag_line(line, sure(line), lexicon))
    assert F.flag_line("Please see the attached letter", sure("Please see the attached letter"), lexicon) == []
