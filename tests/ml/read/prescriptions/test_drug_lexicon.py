from ml.read.prescriptions.lexicon import DrugLexicon


def test_shipped_names_are_found_whatever_their_case():
    lexicon = DrugLexicon.load()
    assert "Amoxicillin" in lexicon and "PARACETAMOL" in lexicon and "co-amoxiclav" in lexicon
    assert "amoxicilin" not in lexicon


def test_brand_and_base_names_are_listed():
    lexicon = DrugLexicon.load()
    assert "ventolin" in lexicon  # a brand name
    assert "morphine" in lexicon  # the base of "morphine sulfate"


def test_local_names_are_added_without_touching_the_shipped_files():
    assert "zapomycin" not in DrugLexicon.load()
    assert "Zapomycin" in DrugLexicon.load(extra=["  zapomycin "])


def test_nearest_names_of_a_misspelling_come_best_first():
    suggestions = DrugLexicon.load().nearest("Amoxicilin", limit=3)
    assert suggestions[0].name == "amoxicillin"
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions), reverse=True)


def test_neighbours_of_a_listed_name_leave_the_name_out():
    lexicon = DrugLexicon(["hydralazine", "hydroxyzine", "dihydralazine", "warfarin"])
    assert [s.name for s in lexicon.neighbours("Hydralazine")] == ["dihydralazine"]
    assert "hydralazine" in [s.name for s in lexicon.nearest("hydralazine")]


def test_files_skip_notes_and_blank_lines(tmp_path):
    listed = tmp_path / "names.txt"
    listed.write_text("# a note\n\nwarfarin\n", "utf-8")
    lexicon = DrugLexicon.load(files=[listed])
    assert len(lexicon) == 1 and "warfarin" in lexicon
