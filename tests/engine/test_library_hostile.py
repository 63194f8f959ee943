"""The kernel library and kernel numbers against hostile files (issue 12)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.engine import Kernel, KernelError
from workbench.engine import library as library_module
from workbench.engine.library import KernelLibrary, load_kernel


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"weights": [[10**309]]}, "too large"),
        ({"weights": [["1"]]}, "not text"),
        ({"weights": [[True]]}, "true/false"),
        ({"weights": [[1]], "divisor": 10**309}, "divisor is far too large"),
        ({"weights": [[1]], "divisor": "16"}, "divisor must be a number"),
        ({"weights": [[1]], "divisor": True}, "divisor must be a number"),
        ({"weights": [[1]], "offset": 1e300}, r"offset 1e\+300 is too large"),
        ({"weights": [[1]], "offset": -(10**400)}, "offset is far too large"),
        ({"weights": [[1]], "offset": "128"}, "offset must be a number"),
        ({"weights": [[1]], "offset": False}, "offset must be a number"),
        ({"weights": [[[[1]]], [[[1]]]], "offset": [1, "2"]}, "not text"),
        ({"weights": [[[[1]]], [[[1]]]], "offset": [1, 1e300]}, "too large"),
    ],
)
def test_numbers_that_are_not_usable_numbers_are_a_kernel_error(fields, message):
    weights = fields.pop("weights")
    with pytest.raises(KernelError, match=message):
        Kernel(weights, **fields)


def test_offsets_within_range_are_kept():
    assert Kernel([[1]], offset=-1e12).offset == -1e12
    assert Kernel([[[[1]]], [[[1]]]], offset=[0, 255]).offset == (0.0, 255.0)


def write_bad_files(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    bad = {
        "huge.json": '{"weights": [[1' + "0" * 309 + "]]}",
        "text.json": '{"weights": [[1]], "divisor": "16"}',
        "nested.json": "[" * 100_000 + "]" * 100_000,
        "latin1.json": b'{"name": "\xe9", "weights": [[1]]}',
        "empty.json": "",
    }
    for name, text in bad.items():
        path = folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    os.mkfifo(folder / "pipe.json")
    (folder / "dir.json").mkdir()
    return len(bad) + 2


def test_the_library_loads_past_any_bad_file(tmp_path, monkeypatch):
    count = write_bad_files(tmp_path / "user")
    (tmp_path / "user" / "good.json").write_text('{"weights": [[0, 1, 0]], "name": "Good"}')
    # Whatever else a reader may raise: one file's bug must not stop the library.
    real = library_module.load_kernel

    def flaky(path):
        if path.name == "boom.json":
            raise IndexError("a bug in a reader")
        return real(path)

    (tmp_path / "user" / "boom.json").write_text('{"weights": [[1]]}')
    monkeypatch.setattr(library_module, "load_kernel", flaky)
    library = KernelLibrary(user_dir=tmp_path / "user")
    assert "good" in library and "gaussian-3x3" in library
    skipped = {path.name: reason for path, reason in library.problems}
    assert len(skipped) == count + 1, skipped
    assert "IndexError" in skipped["boom.json"]
    assert "named pipe" in skipped["pipe.json"]


def test_saving_many_kernels_reads_the_library_once(tmp_path, monkeypatch):
    library = KernelLibrary(user_dir=tmp_path / "user")
    reloads = []
    real = library.reload
    monkeypatch.setattr(library, "reload", lambda: (reloads.append(1), real())[1])
    kernels = [Kernel([[n + 1]], name=f"Preset {n % 7}") for n in range(200)]
    keys = library.save_many(kernels)
    assert len(reloads) == 1
    assert len(set(keys)) == 200
    for key, kernel in zip(keys, kernels, strict=True):
        assert load_kernel(tmp_path / "user" / f"{key}.json").weights[0, 0] == kernel.weights[0, 0]


@pytest.mark.parametrize("stage", ["_create_part", "replace"])
def test_an_interrupted_import_keeps_nothing(tmp_path, monkeypatch, stage):
    from workbench.engine import atomic_write

    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "mine.json").write_text('{"weights": [[1]], "name": "Mine"}')
    library = KernelLibrary(user_dir=tmp_path / "user")
    target = atomic_write if stage == "_create_part" else atomic_write.os
    real = getattr(target, stage)
    calls = []

    def interrupted(*args):
        calls.append(args)
        if len(calls) == 5:  # part way: while writing, or while renaming into place
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(target, stage, interrupted)
    with pytest.raises(KeyboardInterrupt):
        library.save_many([Kernel([[n]], name=f"p{n}") for n in range(1, 20)])
    monkeypatch.undo()
    assert sorted(p.name for p in (tmp_path / "user").iterdir()) == ["mine.json"]
    assert library.keys()[-1] == "mine"
