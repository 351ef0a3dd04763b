"""bfloat16 on the CPU only where the CPU does it natively, and it reads as float32 does."""
import argparse

import numpy as np
import pytest
import torch

from ml.read.metrics import cer
from ml.read.precision import cpu_bf16_option, cpu_has_native_bf16, uses_bf16
from ml.read.recognizer import DEFAULT_MODEL_PATH, Recognizer
from ml.segment.line_net import DEFAULT_LINE_NET_PATH, line_bands, load_line_net
from tests.ml.drawn_pages import draw_page
from tests.ml.read.test_pretrained import load_fixture_lines

CPU, CUDA = torch.device("cpu"), torch.device("cuda")


def cpuinfo(tmp_path, flags: str):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 avx2 {flags}\n\n")
    return path


@pytest.mark.parametrize("flags, native", [("avx512f avx512_bf16", True), ("amx_tile amx_bf16", True),
                                           ("avx512f avx512bw", False), ("", False)])
def test_native_bf16_is_read_from_the_cpu_flags(tmp_path, flags, native):
    assert cpu_has_native_bf16.__wrapped__(cpuinfo(tmp_path, flags)) is native


def test_a_system_without_cpuinfo_has_no_native_bf16(tmp_path):
    assert cpu_has_native_bf16.__wrapped__(tmp_path / "missing") is False


def test_the_setting_switches_cpu_bf16_and_cuda_always_uses_it():
    assert not uses_bf16(CPU, "0") and uses_bf16(CUDA, "0")
    assert uses_bf16(CPU, "1")
    assert uses_bf16(CPU, "auto") is uses_bf16(CPU) is cpu_has_native_bf16()
    with pytest.raises(ValueError, match="setting must be auto, 0 or 1, not 'yes'"):
        uses_bf16(CPU, "yes")


def test_the_environment_does_not_change_it(monkeypatch):
    """ml/ reads no environment variable: the platform passes HTR_CPU_BF16 in from its settings."""
    monkeypatch.setenv("HTR_CPU_BF16", "1")
    assert uses_bf16(CPU) is cpu_has_native_bf16()


def test_a_recognizer_refuses_a_wrong_setting_when_made():
    with pytest.raises(ValueError, match="auto, 0 or 1"):
        Recognizer.load(DEFAULT_MODEL_PATH, device="cpu", cpu_bf16="yes")


def test_a_command_takes_the_setting_as_an_option():
    parser = argparse.ArgumentParser()
    cpu_bf16_option(parser)
    assert parser.parse_args([]).cpu_bf16 == "auto"
    assert parser.parse_args(["--cpu-bf16", "0"]).cpu_bf16 == "0"
    with pytest.raises(SystemExit):
        parser.parse_args(["--cpu-bf16", "yes"])


def test_the_shipped_model_reads_alike_in_bf16_and_float32():
    images, texts = load_fixture_lines()
    readings = {}
    for setting in ("0", "1"):
        recognizer = Recognizer.load(DEFAULT_MODEL_PATH, device="cpu", cpu_bf16=setting)
        readings[setting] = recognizer.recognize(images, beam_width=3)
    fp32, bf16 = ([p.text for p in readings[s]] for s in ("0", "1"))
    assert cer(fp32, bf16) < 0.03  # a character in 30 at most may differ
    assert abs(cer(texts, bf16) - cer(texts, fp32)) < 0.02
    for a, b in zip(readings["0"], readings["1"]):
        if a.text == b.text:
            assert max(abs(x - y) for x, y in zip(a.confidences, b.confidences)) < 0.1


def test_the_shipped_line_network_marks_alike_in_bf16_and_float32():
    page, _ = draw_page(skew=2.0, ruled=True)
    network = load_line_net(DEFAULT_LINE_NET_PATH)
    bands = {setting: line_bands(network, page, setting) for setting in ("0", "1")}
    assert bands["1"].dtype == np.float32
    assert (bands["0"] > 0.8).sum() > 1000  # the lines are marked
    assert np.abs(bands["1"] - bands["0"]).max() < 0.05
    assert ((bands["1"] > 0.8) != (bands["0"] > 0.8)).mean() < 0.002
