"""Training lines from NAME.png + NAME.gt.txt pairs, and the cache that keeps them between runs."""
import multiprocessing

import cv2
import numpy as np

import ml.train.datasets as data


def write_pair(folder, name: str, text: str, text_line) -> None:
    cv2.imwrite(str(folder / f"{name}.png"), text_line(text))
    (folder / f"{name}.gt.txt").write_text(text + "\n", encoding="utf-8")


def test_the_cache_is_used_until_the_line_code_changes(tmp_path, text_line, monkeypatch):
    folder = tmp_path / "lines"
    folder.mkdir()
    write_pair(folder, "a", "take 2", text_line)
    first = data.load_cached(folder, tmp_path / "cache")
    assert [s.text for s in first] == ["take 2"]

    def not_again(*args, **kwargs):
        raise AssertionError("read the folder again")

    monkeypatch.setattr(data, "load_folder", not_again)
    assert [s.text for s in data.load_cached(folder, tmp_path / "cache")] == ["take 2"]

    monkeypatch.setattr(data, "line_code_digest", lambda: "other code")
    monkeypatch.setattr(data, "load_folder", lambda folder: [])
    assert data.load_cached(folder, tmp_path / "cache") == []  # cut again by the new code


def _texts_read(folder, results) -> None:
    try:
        results.put(sorted(sample.text for sample in data.load_folder(folder)))
    except BaseException as error:  # noqa: BLE001 - the parent process reports it
        results.put(repr(error))


def test_lines_load_in_a_daemonic_process_as_in_a_celery_workers_child(tmp_path, text_line):
    """Fine-tuning runs in a worker's child process, which may not start processes of its own."""
    for name, text in (("a", "take 2"), ("b", "daily")):
        write_pair(tmp_path, name, text, text_line)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_texts_read, args=(tmp_path, results), daemon=True)
    child.start()
    assert results.get(timeout=120) == ["daily", "take 2"]
    child.join()


def test_a_limited_epoch_draws_its_own_batches_of_similar_width():
    widths = [int(w) for w in np.random.default_rng(0).integers(50, 900, 200)]
    sampler = data.WidthBucketSampler(widths, batch_size=8, seed=3, limit=5)
    first = list(sampler)
    sampler.epoch = 1
    second = list(sampler)
    assert len(sampler) == len(first) == len(second) == 5
    assert all(len(batch) == 8 for batch in first + second)
    assert {i for b in first for i in b} != {i for b in second for i in b}
    assert len(data.WidthBucketSampler(widths, batch_size=8)) == 25
