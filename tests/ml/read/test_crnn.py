import pytest
import torch

from ml.read.crnn import CRNN, CRNNConfig


@pytest.fixture
def model():
    torch.manual_seed(0)
    return CRNN(CRNNConfig(num_classes=12, channels=[8, 16, 16, 16], lstm_hidden=16))


def test_output_is_log_probabilities_one_frame_per_reduction(model):
    images = torch.rand(3, 1, 32, 120)
    log_probs = model(images)
    assert log_probs.shape == (120 // model.config.width_reduction, 3, 12)
    assert torch.allclose(log_probs.exp().sum(-1), torch.ones(30, 3), atol=1e-5)


def test_ctc_loss_on_a_batch_is_finite_and_has_gradients(model):
    images = torch.rand(2, 1, 32, 80)
    targets = torch.tensor([1, 2, 3, 4, 5])
    log_probs = model(images)
    loss = torch.nn.CTCLoss()(log_probs, targets, model.output_lengths(torch.tensor([80, 60])), torch.tensor([3, 2]))
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_wrong_height_is_refused_with_a_clear_message(model):
    with pytest.raises(ValueError, match="32 px high"):
        model(torch.rand(1, 1, 40, 100))


def test_too_narrow_line_is_refused(model):
    with pytest.raises(ValueError, match="too narrow"):
        model(torch.rand(1, 1, 32, 2))


def test_shipped_architecture_stays_under_ten_million_parameters():
    model = CRNN(CRNNConfig(num_classes=150))
    assert sum(p.numel() for p in model.parameters()) < 10_000_000
