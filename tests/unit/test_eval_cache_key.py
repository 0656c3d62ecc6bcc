"""The seeds suite's cache key follows its documents' names and contents, not the checkout's path: a fresh clone in
another directory reuses the cached index, and an edited document does not."""

import shutil

from evals import suites


def test_seeds_key_is_the_same_for_a_copy_elsewhere_and_changes_with_a_document(tmp_path, monkeypatch):
    a = suites.seeds().data_key
    copy = tmp_path / "clone"
    shutil.copytree(suites.REPO / "seeds", copy / "seeds")
    monkeypatch.setattr(suites, "REPO", copy)
    assert suites.seeds().data_key == a  # same files, another path
    doc = next(p for p in sorted((copy / "seeds").rglob("*")) if p.is_file())
    doc.write_bytes(doc.read_bytes() + b"\nOne more line.\n")
    edited = suites.seeds().data_key
    assert edited != a  # an edited document
    (copy / "seeds" / "new.md").write_text("# New\n\nA new document.\n")
    assert suites.seeds().data_key not in (a, edited)  # an added one
