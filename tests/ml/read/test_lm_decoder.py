import numpy as np
import pytest
import torch

from ml.read.ctc import greedy_decode
from ml.read.char_lm import kneser_ney, write_arpa
from ml.read.lm_decoder import LmDecoder, language_model_path

ALPHABET = " acdehmost"


def posteriors(frames: list[dict[str, float]]) -> np.ndarray:
    """Log-posteriors with, per frame, the given characters' probabilities ('' is the blank) and
    the rest spread over the other labels."""
    probs = np.zeros((len(frames), len(ALPHABET) + 1))
    for t, frame in enumerate(frames):
        rest = (1.0 - sum(frame.values())) / (probs.shape[1] - len(frame))
        probs[t] = rest
        for char, p in frame.items():
            probs[t, ALPHABET.index(char) + 1 if char else 0] = p
    return np.log(probs)


def spelled(text: str, unsure: dict[int, dict[str, float]] | None = None) -> np.ndarray:
    """Each character of ``text`` on one frame at 0.9, a blank frame between; ``unsure`` replaces
    the frame of the character at that index."""
    frames = [{"": 0.9}]
    for i, char in enumerate(text):
        frames += [(unsure or {}).get(i, {char: 0.9}), {"": 0.9}]
    return posteriors(frames)


@pytest.fixture(scope="module")
def lm_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("lm") / "toy.arpa.gz"
    write_arpa(kneser_ney(["the cat sat on the mat", "a cat", "the cat and the dog", "cats"] * 5, order=4), path)
    return path


def test_a_near_word_reads_as_the_language_models_word_only_with_it(lm_path):
    # "cst": the middle letter is more likely an s than an a, by the network alone.
    log_probs = spelled("the cst", unsure={5: {"s": 0.5, "a": 0.4}})
    assert greedy_decode(np.exp(log_probs), ALPHABET).text == "the cst"
    assert LmDecoder(ALPHABET, None, beam=8).decode(log_probs).text == "the cst"
    assert LmDecoder(ALPHABET, lm_path, beam=8, lm_weight=1.0).decode(log_probs).text == "the cat"


def test_clear_text_is_kept_though_the_language_model_never_saw_it(lm_path):
    assert LmDecoder(ALPHABET, lm_path, beam=8, lm_weight=1.0).decode(spelled("dots")).text == "dots"


def test_confidences_are_probabilities_one_per_character(lm_path):
    rng = np.random.default_rng(0)
    log_probs = np.log(rng.dirichlet(np.ones(len(ALPHABET) + 1) * 0.3, size=40))
    for decoder in (LmDecoder(ALPHABET), LmDecoder(ALPHABET, lm_path, lm_weight=1.0, blank_penalty=2.0)):
        prediction = decoder.decode(log_probs)
        assert len(prediction.confidences) == len(prediction.text) == len(prediction.spans)
        assert all(0.0 <= c <= 1.0 for c in prediction.confidences)


def test_a_changed_character_gets_its_confidence_from_the_alignment(lm_path):
    prediction = LmDecoder(ALPHABET, lm_path, lm_weight=1.0).decode(spelled("the cst", {5: {"s": 0.5, "a": 0.4}}))
    assert prediction.text == "the cat"
    assert prediction.confidences[5] == pytest.approx(0.4)
    assert prediction.spans[5] == (11, 11)


def test_paths_of_one_text_are_summed():
    # The best single path reads blank-blank, but "a" is likelier summed over its paths.
    log_probs = posteriors([{"": 0.4, "a": 0.35}, {"": 0.4, "a": 0.35}])
    assert greedy_decode(np.exp(log_probs), ALPHABET).text == ""
    assert LmDecoder(ALPHABET, None, beam=8).decode(log_probs).text == "a"


@pytest.mark.parametrize("with_lm", [False, True])
def test_empty_and_blank_only_lines_read_as_nothing(lm_path, with_lm):
    decoder = LmDecoder(ALPHABET, lm_path if with_lm else None, lm_weight=1.0)
    for log_probs in (np.zeros((0, len(ALPHABET) + 1)), posteriors([{"": 0.99}] * 5)):
        prediction = decoder.decode(log_probs)
        assert (prediction.text, prediction.confidences, prediction.spans) == ("", [], [])


def test_the_shipped_models_are_found_by_language():
    assert language_model_path(None) is None
    for language in ("en", "fr", "en-rx"):
        assert language_model_path(language).is_file()
    with pytest.raises(ValueError, match="no language model for 'xx'"):
        language_model_path("xx")


def test_the_prescriptions_model_reads_a_doubtful_drug_name_as_the_listed_one():
    alphabet = " 0123456789abcdefghijklmnopqrstuvwxyz"
    frames = [{"": 0.9}]
    for i, char in enumerate("lisinopril 10 mg"):
        frames += [{"z": 0.6, "s": 0.3} if i == 2 else {char: 0.9}, {"": 0.9}]
    probs = np.zeros((len(frames), len(alphabet) + 1))
    for t, frame in enumerate(frames):
        probs[t] = (1.0 - sum(frame.values())) / (probs.shape[1] - len(frame))
        for char, p in frame.items():
            probs[t, alphabet.index(char) + 1 if char else 0] = p
    read = {language: LmDecoder(alphabet, language_model_path(language), beam=12).decode(np.log(probs)).text
            for language in ("en", "en-rx")}
    assert read == {"en": "lizinopril 10 mg", "en-rx": "lisinopril 10 mg"}


def tiny_recognizer():
    from ml.read.codec import Codec
    from ml.read.crnn import CRNN, CRNNConfig
    from ml.read.model_file import ModelBundle
    from ml.read.preprocess import PreprocessConfig
    from ml.read.recognizer import Recognizer

    torch.manual_seed(0)
    codec = Codec(ALPHABET)
    model = CRNN(CRNNConfig(num_classes=codec.num_classes, channels=[8, 16, 32, 32], lstm_hidden=32, dropout=0.0))
    return Recognizer(ModelBundle(model=model, codec=codec, preprocess=PreprocessConfig()), "cpu")


def test_the_recognizer_decodes_with_a_language_model_unless_told_greedy():
    recognizer = tiny_recognizer()
    inks = [np.random.default_rng(0).random((recognizer.bundle.preprocess.height, 120)).astype(np.float32)]
    greedy = recognizer.recognize_inks(inks, beam_width=0)
    assert recognizer._decoders == {}
    for language in ("en", "fr", None):
        [reading] = recognizer.recognize_inks(inks, beam_width=4, language=language)
        assert len(reading.confidences) == len(reading.text) and all(0 <= c <= 1 for c in reading.confidences)
    assert set(recognizer._decoders) == {(4, "en"), (4, "fr"), (4, None)}  # each made once, then kept
    assert recognizer.decoder(4, "fr") is recognizer.decoder(4, "fr")
    assert greedy[0].text == recognizer.recognize_inks(inks, beam_width=1)[0].text
    with pytest.raises(ValueError, match="no language model for 'xx'"):
        recognizer.recognize_inks(inks, language="xx")
