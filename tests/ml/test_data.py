"""Training lines from NAME.png + NAME.gt.txt pairs, and the cache that keeps them between runs."""
import cv2

import ml.data as data


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

    monkeypatch.setattr(data, "_line_code_digest", lambda: "other code")
    monkeypatch.setattr(data, "load_folder", lambda folder: [])
    assert data.load_cached(folder, tmp_path / "cache") == []  # cut again by the new code
