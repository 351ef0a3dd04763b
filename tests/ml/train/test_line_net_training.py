"""Training the line-band network: the targets it is trained on, and how its epochs are judged."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from ml.layout import PageLayout, TextLine
from ml.segment.line_net import LineNet, LineNetConfig, line_band, load_line_net
from ml.train import line_net as train_line_net
from ml.train.line_net import Page, band_target, random_crop

TINY = LineNetConfig(channels=(4, 4, 8, 8), input_size=256)


def test_band_target_spans_from_the_baseline_up_a_third_of_the_spacing():
    lines = [TextLine(id=str(i), polygon=[], baseline=[(10, y), (90, y)]) for i, y in enumerate((30, 60, 90))]
    truth = PageLayout(width=100, height=120, lines=lines)

    band = band_target(truth, 1.0, (120, 100))

    column = band[:, 50, 0]
    assert column[60] == 1 and column[51] == 1  # spacing 30: band from y 50 to 60
    assert column[45] == 0 and column[62] == 0
    assert band[60, 5, 0] == 0 and band[60, 95, 0] == 0
    assert band[..., 1].sum() == 0


@pytest.mark.parametrize("runs_up", [True, False])
def test_a_line_written_up_or_down_has_its_band_in_the_second_output_on_its_letters_side(runs_up):
    across = [TextLine(id=str(i), polygon=[], baseline=[(10, y), (60, y)]) for i, y in enumerate((30, 60, 90))]
    ends = [(80, 100), (80, 20)] if runs_up else [(80, 20), (80, 100)]
    truth = PageLayout(width=100, height=120, lines=[*across, TextLine(id="up", polygon=[], baseline=ends)])

    band = band_target(truth, 1.0, (120, 100))

    assert band[50, 80:, 0].sum() == 0
    row = band[50, :, 1]
    letters_side = slice(71, 79) if runs_up else slice(82, 90)  # a third of the spacing, 10 pixels
    assert row[letters_side].all() and row.sum() <= 12


def test_random_crops_have_the_network_sizes():
    page = Page(ink=np.zeros((600, 500), np.uint8), band=np.zeros((150, 125, 2), np.uint8))

    crop, target = random_crop(page, np.random.default_rng(0), 4)

    assert crop.shape == (384, 384) and target.shape == (96, 96, 2)


def test_a_crop_turned_a_quarter_swaps_its_two_bands(monkeypatch):
    monkeypatch.setattr(train_line_net, "TURN_SHARE", 1.0)
    ink = np.zeros((384, 384), np.uint8)
    band = np.zeros((96, 96, 2), np.uint8)
    band[40:44, 10:80, 0] = 1  # a line across

    _, target = random_crop(Page(ink, band), np.random.default_rng(0), 4)

    assert target[..., 0].sum() == 0
    rows, columns = np.nonzero(target[..., 1])
    assert np.ptp(rows) > 3 * np.ptp(columns)  # now a line up or down


def test_a_margin_note_is_a_strip_of_another_crop_turned_with_its_bands_swapped():
    crop, target = np.zeros((384, 384), np.float32), np.zeros((96, 96, 2), np.float32)
    target[40:44, :, 0] = 1  # a line across the whole crop
    note, note_target = np.ones((384, 384), np.float32), np.zeros((96, 96, 2), np.float32)
    note_target[:, 10:14, 0] = 1  # lines across the note: up or down once turned
    note_target[50:54, :, 0] = 1

    mixed, mixed_target = train_line_net.with_margin_note(crop, target, note, note_target, np.random.default_rng(3))

    strip = mixed.any(axis=0)
    columns = np.nonzero(strip)[0]
    assert 0 < len(columns) < 384 // 3 and (columns[0] == 0 or columns[-1] == 383)
    band_columns = mixed_target[..., 1].any(axis=0)
    assert band_columns[columns[0] // 4] and not band_columns[~strip[::4]].any()  # the note's band, turned, in the strip only
    assert mixed_target[42, ~strip[::4], 0].all() and not mixed_target[42, strip[::4], 0].any()


def test_print_laid_across_a_crop_replaces_the_bands_under_it_by_one_on_its_letters_core(tmp_path):
    from PIL import Image

    line = np.full((40, 200), 230, np.uint8)  # as ml.train.rendered_lines writes: font size 16, letters in rows 15-25
    line[15:25, 10:190:6] = 20
    Image.fromarray(line).save(tmp_path / "line_00000.png")
    printed = train_line_net.load_printed_lines(tmp_path)
    assert printed[0].core == (15, 25) and printed[0].size == 16
    crop, target = np.full((384, 384), 0.1, np.float32), np.zeros((96, 96, 2), np.float32)
    target[:, :, 0] = 1  # handwriting bands everywhere before

    crop, target = train_line_net.with_print(crop, target, printed[0], np.random.default_rng(1))

    dark_rows = np.nonzero((crop > 0.5).any(axis=1))[0]  # the print's letters, at 1.4-4.5 times the size
    strip = ~target[..., 0].all(axis=1)  # output rows where the bands before were cleared
    band_in_strip = np.nonzero(strip & target[..., 0].any(axis=1))[0]
    assert len(dark_rows) and strip[dark_rows // 4].all()
    assert band_in_strip[0] <= dark_rows[0] // 4 and dark_rows[-1] // 4 <= band_in_strip[-1]
    assert strip.sum() > len(band_in_strip)  # paper above and below the letters has no band
    assert crop[(crop > 0.5).any(axis=1)].min() == pytest.approx(0.1)  # the crop's paper round the print
    assert not target[..., 1].any()


@pytest.fixture
def drawn_val(tmp_path):
    """A folder named like the shared ones (COLLECTION/val) holding a drawn page and its PAGE XML."""
    from tests.ml.drawn_pages import make_folder

    folder = tmp_path / "drawn" / "val"
    folder.mkdir(parents=True)
    make_folder(folder)
    return folder


def test_epochs_are_judged_by_the_segmenter_run_with_the_network_in_training(drawn_val):
    from ml.segment.line_net import DEFAULT_LINE_NET_PATH

    shipped = train_line_net.segmentation_figures(load_line_net(DEFAULT_LINE_NET_PATH), [drawn_val])
    assert shipped == {"val_line_f1": {"drawn": 1.0}, "val_turned_pages_wrong": 0}  # turned either way, read the right way
    untrained = LineNet(TINY)
    assert train_line_net.segmentation_figures(untrained, [drawn_val])["val_line_f1"]["drawn"] < 1.0  # its bands find no lines
    assert untrained.training  # left as it was found


def test_an_epoch_that_reads_a_turned_page_wrong_ranks_below_any_that_does_not():
    better_f1_but_turned_wrong = {"val_line_f1": {"a": 0.95, "b": 0.99}, "val_turned_pages_wrong": 1, "val_loss": 0.1}
    passes = {"val_line_f1": {"a": 0.80, "b": 0.85}, "val_turned_pages_wrong": 0, "val_loss": 0.2}

    assert train_line_net.epoch_score(passes, "f1") > train_line_net.epoch_score(better_f1_but_turned_wrong, "f1")
    assert train_line_net.epoch_score(better_f1_but_turned_wrong, "loss") > train_line_net.epoch_score(passes, "loss")


@pytest.mark.slow
def test_the_kept_epoch_carries_the_line_f1_it_was_chosen_by(drawn_val, tmp_path):
    out = tmp_path / "net.pt"

    train_line_net.main(["--train", str(drawn_val), "--val", str(drawn_val), "--out", str(out),
                         "--epochs", "2", "--steps", "1", "--batch-size", "1", "--threads", "1"])

    metrics = torch.load(out, weights_only=True)["metrics"]
    assert set(metrics["val_line_f1"]) == {"drawn"}
    assert metrics["val_turned_pages_wrong"] >= 0
    assert metrics["epoch"] in (1, 2) and metrics["val_loss"] > 0


@pytest.mark.slow
def test_a_network_trained_at_another_input_size_sees_pages_at_that_size(drawn_val, tmp_path):
    out = tmp_path / "net.pt"
    train_line_net.main(["--train", str(drawn_val), "--val", str(drawn_val), "--out", str(out), "--input-size", "512",
                         "--epochs", "1", "--steps", "1", "--batch-size", "1", "--threads", "1", "--select", "loss"])

    net = load_line_net(out)
    page = np.full((700, 500), 255, np.uint8)
    assert net.config.input_size == 512
    assert line_band(net, page).shape == (128, 92)  # a quarter of 512 x 366, padded to 368
