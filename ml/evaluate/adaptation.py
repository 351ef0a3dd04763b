"""How many corrected lines must a person give before the rest of a document reads well:
``python -m ml.evaluate.adaptation MODEL --data ../shared/data``.

For each ``val`` document with enough lines, the model is adapted (ml.train.adapt) on the
document's first N lines in reading order, as if a person had corrected them, a fifth of them
held out to choose the step; the CER of the document's remaining lines is measured before and
after, with the minutes adaptation took. Prints a table per collection and overall, and writes
the curve of CER against N as a PNG.
"""
from __future__ import annotations

import argparse
import logging
import pickle
import re
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from ml.read.model_file import ModelBundle, load_model
from ml.train.adapt import AdaptConfig, adapt
from ml.train.datasets import LineSample, line_code_digest, page_samples
from ml.read.metrics import cer
from ml.train.validation import read_samples, validate

COLLECTIONS = ("hooker", "cremma", "mss19", "peraire", "copiste")
MEASURED_AT_LEAST = 20  # lines left to measure a document on


@dataclass
class Document:
    collection: str
    name: str
    lines: list[LineSample]  # in reading order


@dataclass
class Result:
    collection: str
    document: str
    n: int
    measured: int
    cer_before: float
    cer_after: float
    minutes: float  # wall-clock
    cpu_minutes: float  # of this process: on a shared machine, the figure that does not depend on the others
    best_step: int

    @property
    def fall(self) -> float:
        """The relative fall of the remaining lines' CER (0.3: 30 % fewer errors)."""
        return 1 - self.cer_after / self.cer_before if self.cer_before else 0.0


def document_name(collection: str, page: str) -> str:
    """Which document a page (file stem) of a collection belongs to: a Hooker letter's pages end
    in _001, _002; a will's in -0, -1; a Copiste writer's in _1, _2; the mss19 val pages are one
    Verne manuscript, and the peraire val pages one writer's notebooks."""
    if collection == "hooker":
        return re.sub(r"_\d{3}$", "", page)
    if collection == "cremma":
        return re.sub(r"-\d+$", "", page)
    if collection == "copiste":
        return re.sub(r"_\d$", "", page)
    return collection


def _page_order(stem: str) -> list:
    """Natural order: f13 before f108."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", stem)]


def documents(data: Path, collection: str) -> list[Document]:
    """The val documents of a collection, lines in reading order, largest first."""
    pages: dict[str, list[Path]] = {}
    for xml in sorted((data / collection / "val").glob("*.xml"), key=lambda p: _page_order(p.stem)):
        pages.setdefault(document_name(collection, xml.stem), []).append(xml)
    found = [Document(collection, name, [line for xml in xmls for line in page_samples(xml, collection)])
             for name, xmls in pages.items()]
    return sorted(found, key=lambda document: -len(document.lines))


def _documents(data: Path, collection: str, cache: Path | None) -> list[Document]:
    if cache is None:
        return documents(data, collection)
    kept = cache / f"adaptation-{collection}-{line_code_digest()}.pkl"
    if kept.is_file():
        return pickle.loads(kept.read_bytes())
    found = documents(data, collection)
    cache.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL))
    return found


def split(lines: list[LineSample], n: int) -> tuple[list[LineSample], list[LineSample], list[LineSample]]:
    """The first ``n`` lines, as corrected lines to train on and every fifth of them held out to
    choose the step, and the remaining lines to measure; the measured lines choose nothing."""
    corrected = lines[:n]
    held_out = corrected[4::5] or corrected[-1:]
    train = [line for i, line in enumerate(corrected) if i % 5 != 4] if len(corrected) >= 5 else corrected
    return train, held_out, lines[n:]


def run_one(base: ModelBundle, document: Document, n: int, config: AdaptConfig, cer_before: float) -> Result:
    """Adapt on the first ``n`` lines; ``cer_before`` is the base model's on the others."""
    train, held_out, measured = split(document.lines, n)
    started, cpu_started = time.monotonic(), time.process_time()
    adapted = adapt(base, train, held_out, config)
    minutes, cpu_minutes = (time.monotonic() - started) / 60, (time.process_time() - cpu_started) / 60
    after = validate(adapted.bundle, measured, cpu_bf16=config.cpu_bf16).cer
    return Result(document.collection, document.name, n, len(measured), cer_before, after, minutes, cpu_minutes,
                  adapted.best_step)


def base_cers(base: ModelBundle, document: Document, ns: list[int], cpu_bf16: str) -> dict[int, float]:
    """The base model's CER on the lines after the first n, for each n: the document is read once."""
    hypotheses = [p.text for p in read_samples(base, document.lines, cpu_bf16=cpu_bf16)[1]]
    references = [line.text for line in document.lines]
    return {n: cer(references[n:], hypotheses[n:]) for n in ns}


def table(results: list[Result]) -> str:
    rows = [f"{'collection':<10} {'document':<32} {'N':>4} {'measured':>8} {'CER before':>10} {'CER after':>9} "
            f"{'fall':>6} {'minutes':>7} {'CPU min':>7} {'step':>5}"]
    for r in results:
        rows.append(f"{r.collection:<10} {r.document[:32]:<32} {r.n:>4} {r.measured:>8} {100 * r.cer_before:>9.2f}% "
                    f"{100 * r.cer_after:>8.2f}% {100 * r.fall:>5.1f}% {r.minutes:>7.2f} {r.cpu_minutes:>7.2f} "
                    f"{r.best_step:>5}")
    rows.append("")
    rows.append(f"{'mean over documents':<30} {'N':>4} {'docs':>5} {'CER before':>10} {'CER after':>9} {'fall':>6} "
                f"{'minutes':>7} {'CPU min':>7}")
    for label, group in _groups(results):
        for n in sorted({r.n for r in group}):
            at = [r for r in group if r.n == n]
            rows.append(f"{label:<30} {n:>4} {len(at):>5} {100 * _mean(r.cer_before for r in at):>9.2f}% "
                        f"{100 * _mean(r.cer_after for r in at):>8.2f}% {100 * _mean(r.fall for r in at):>5.1f}% "
                        f"{_mean(r.minutes for r in at):>7.2f} {_mean(r.cpu_minutes for r in at):>7.2f}")
    return "\n".join(rows)


def _groups(results: list[Result]) -> list[tuple[str, list[Result]]]:
    collections = sorted({r.collection for r in results})
    return [(c, [r for r in results if r.collection == c]) for c in collections] + [("overall", results)]


def _mean(values) -> float:
    values = list(values)
    return sum(values) / max(len(values), 1)


def plot(results: list[Result], path: Path) -> None:
    """Mean relative fall of the remaining lines' CER against N, per collection and overall."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for label, group in _groups(results):
        ns = sorted({r.n for r in group})
        after = [100 * _mean(r.cer_after / max(r.cer_before, 1e-9) for r in group if r.n == n) for n in ns]
        ax.plot([0, *ns], [100, *after], marker="o", linewidth=2.5 if label == "overall" else 1,
                linestyle="-" if label == "overall" else "--", label=label)
    ax.set(xlabel="corrected lines N", ylabel="CER of the other lines\n(% of the base model's)",
           title="Adaptation to one document", ylim=(0, None))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=72)
    plt.close(fig)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="the base model file, e.g. ml/pretrained/crnn-default.pt")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--collections", nargs="+", default=list(COLLECTIONS))
    parser.add_argument("--ns", nargs="+", type=int, default=[10, 25, 50, 100], help="corrected lines to adapt on")
    parser.add_argument("--max-docs-per-collection", type=int, default=2, help="the largest documents first")
    parser.add_argument("--plot", type=Path, default=Path("adaptation.png"))
    parser.add_argument("--threads", type=int, default=2, help="torch threads (1 where the cores are busy)")
    parser.add_argument("--cache", type=Path, help="keep the documents' cut lines in this folder")
    defaults = AdaptConfig()
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--cnn-lr-scale", type=float, default=defaults.cnn_lr_scale)
    parser.add_argument("--layers", choices=("all", "recurrent", "head"), default=defaults.layers)
    parser.add_argument("--max-steps", type=int, default=defaults.max_steps)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--augment-share", type=float, default=defaults.augment_share)
    parser.add_argument("--budget-s", type=float, default=defaults.time_budget_s,
                        help="wall-clock budget of one run (0: --max-steps alone stops it)")
    parser.add_argument("--eval-every", type=int, default=defaults.eval_every)
    parser.add_argument("--train-batchnorm", action="store_true", help="update BatchNorm statistics too")
    parser.add_argument("--cpu-bf16", default=defaults.cpu_bf16)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    config = AdaptConfig(lr=args.lr, cnn_lr_scale=args.cnn_lr_scale, layers=args.layers, max_steps=args.max_steps,
                         batch_size=args.batch_size, augment_share=args.augment_share, time_budget_s=args.budget_s,
                         eval_every=args.eval_every, freeze_batchnorm=not args.train_batchnorm, cpu_bf16=args.cpu_bf16)
    base = load_model(args.model)
    results = []
    for collection in args.collections:
        docs = [d for d in _documents(args.data, collection, args.cache)
                if len(d.lines) >= min(args.ns) + MEASURED_AT_LEAST]
        for document in docs[: args.max_docs_per_collection]:
            ns = [n for n in args.ns if len(document.lines) >= n + MEASURED_AT_LEAST]
            before = base_cers(base, document, ns, config.cpu_bf16)
            for n in ns:
                results.append(run_one(base, document, n, config, before[n]))
                print(table(results[-1:]).splitlines()[1], flush=True)
    print(f"\n{config}\n")
    print(table(results))
    plot(results, args.plot)
    print(f"curve: {args.plot}")


if __name__ == "__main__":
    main()
