"""Training-curve plot written beside the model."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_history(history: list[dict], path: Path) -> None:
    epochs = [h["epoch"] for h in history]
    fig, (loss_ax, cer_ax) = plt.subplots(1, 2, figsize=(10, 4))
    loss_ax.plot(epochs, [h["train_loss"] for h in history], marker="o")
    loss_ax.set(title="training CTC loss", xlabel="epoch")
    cer_ax.plot(epochs, [100 * h["val_cer"] for h in history], marker="o", label="all")
    for source in history[-1].get("per_source", {}):
        cer_ax.plot(epochs, [100 * h["per_source"].get(source, {}).get("cer", float("nan")) for h in history],
                    linestyle="--", label=source)
    cer_ax.set(title="validation CER (%)", xlabel="epoch")
    cer_ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def plot_adaptation(history: list[dict], path: Path) -> None:
    """The held-out CER at each reading of an adaptation run (ml.train.adapt), step 0 being the base model's."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot([h["step"] for h in history], [100 * h["cer"] for h in history], marker="o")
    ax.set(title="held-out CER (%)", xlabel="step")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
