import pytest

from ml.read.codec import Codec, normalize_text


def test_encode_decode_round_trip():
    codec = Codec.from_texts(["héllo wörld", "42 mg"])
    assert codec.decode(codec.encode("wörld 42")) == "wörld 42"
    assert codec.num_classes == len(codec.alphabet) + 1


def test_unknown_character_is_named_not_dropped():
    codec = Codec("abc")
    assert codec.unknown("abz!") == {"z", "!"}
    with pytest.raises(KeyError, match="'z'"):
        codec.encode("az")


def test_extended_keeps_existing_ids():
    codec = Codec("abc")
    wider = codec.extended(["cab", "µg"])
    assert wider.alphabet.startswith("abc")
    assert wider.encode("abc") == codec.encode("abc")
    assert set(wider.alphabet) == set("abcµg")


def test_repeated_alphabet_is_refused():
    with pytest.raises(ValueError):
        Codec("aba")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("M^tre  Legay", "Mtre Legay"),
        ("né>< le 12", "né le 12"),
        ("à >5< cinq", "à 5 cinq"),
        ("e\u0301te\u00a0x", "éte x"),
    ],
)
def test_normalize_text_strips_transcription_markup(raw, expected):
    assert normalize_text(raw) == expected
