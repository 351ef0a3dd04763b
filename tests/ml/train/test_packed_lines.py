"""Training lines packed for a GPU machine (ml.train.packed_lines): small, and read back as they were."""
import numpy as np

from ml.evaluate.recognition import evaluate_samples
from ml.read.codec import Codec
from ml.read.crnn import CRNN, CRNNConfig
from ml.read.model_file import ModelBundle
from ml.read.preprocess import PreprocessConfig
from ml.train.datasets import LineSample, _store
from ml.train.packed_lines import load_lines, pack, unpack

TEXTS = ["Take 2 tablets", "twice a day", "Amoxicillin 500 mg"]


def test_packed_lines_come_back_at_the_network_height_with_their_text_and_source(tmp_path, text_line):
    samples = [LineSample(_store(text_line(text)), text, source) for text, source in zip(TEXTS, ["a", "b", "a"])]
    path = tmp_path / "notes-train.lines.npz"

    pack(samples, path, height=32)
    back = load_lines(path)

    assert [(s.text, s.source) for s in back] == [(s.text, s.source) for s in samples]
    for before, after in zip(samples, back):
        assert after.ink.shape[0] == 32
        assert abs(after.ink.shape[1] - before.ink.shape[1] * 32 / before.ink.shape[0]) <= 1
        assert after.ink.max() == 255 and after.ink.min() == 0  # ink and paper kept
        assert len(np.unique(after.ink)) <= 32
    assert path.stat().st_size < sum(s.ink.nbytes for s in samples) / 4


def test_fewer_gray_levels_pack_smaller(tmp_path, text_line):
    samples = [LineSample(_store(text_line(text)), text, "notes") for text in TEXTS]
    pack(samples, tmp_path / "32.lines.npz", height=48)
    pack(samples, tmp_path / "8.lines.npz", height=48, levels=8)

    assert all(len(np.unique(s.ink)) <= 8 and s.ink.shape[0] == 48 for s in unpack(tmp_path / "8.lines.npz"))
    assert (tmp_path / "8.lines.npz").stat().st_size < (tmp_path / "32.lines.npz").stat().st_size


def test_a_model_reads_packed_lines_as_it_reads_the_same_lines_unpacked(tmp_path, text_line):
    samples = [LineSample(_store(text_line(text)), text, "notes") for text in TEXTS]
    pack(samples, tmp_path / "notes.lines.npz")
    codec = Codec.from_texts(TEXTS)
    model = CRNN(CRNNConfig(num_classes=codec.num_classes, channels=[4, 8, 8, 8], lstm_hidden=8)).eval()
    bundle = ModelBundle(model=model, codec=codec, preprocess=PreprocessConfig())

    packed = evaluate_samples(bundle, unpack(tmp_path / "notes.lines.npz"))
    unpacked = evaluate_samples(bundle, samples)

    assert packed.lines == unpacked.lines == 3
    assert abs(packed.cer - unpacked.cer) < 0.1
