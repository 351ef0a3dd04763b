"""The line-band network: shapes and its file."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from ml.segment.line_finding import band_ridges
from ml.segment.line_net import LineNet, LineNetConfig, line_band, load_line_net, network_input, save_line_net

TINY = LineNetConfig(channels=(4, 4, 8, 8), input_size=256)


def test_output_is_a_quarter_of_the_input():
    model = LineNet(TINY).eval()

    with torch.no_grad():
        out = model(torch.zeros(2, 1, 128, 96))

    assert out.shape == (2, 1, 32, 24)


def test_network_input_is_padded_to_multiples_of_16_and_dark_is_high():
    gray = np.full((300, 200), 255, np.uint8)
    gray[100:110, 50:150] = 0

    ink = network_input(gray, 256)

    assert ink.shape == (256, 176)  # 256 x 171 padded
    assert ink.max() == pytest.approx(1.0) and ink[0, 0] == 0.0


def test_saved_network_loads_with_the_same_readings(tmp_path):
    model = LineNet(TINY).eval()
    path = tmp_path / "net.pt"
    save_line_net(path, model, {"val_loss": 0.5})
    gray = np.random.default_rng(0).integers(0, 256, (200, 150)).astype(np.uint8)

    loaded = load_line_net(path)

    assert loaded.config == TINY
    np.testing.assert_allclose(line_band(loaded, gray), line_band(model, gray), atol=1e-6)


def test_a_file_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"format": "htr-crnn-ctc", "state_dict": {}}, path)

    with pytest.raises(ValueError, match="not a line network"):
        load_line_net(path)


def test_each_band_becomes_one_ridge_at_its_centre():
    band = np.zeros((40, 60), np.float32)
    band[10:13, 5:50] = 0.9
    band[25:28, 5:50] = 0.9

    ridges = band_ridges(band, factor=2.0)

    assert len(ridges) == 2
    assert sorted(round(float(r[:, 1].mean())) for r in ridges) == [23, 53]  # (11 + 0.5) * 2, (26 + 0.5) * 2
