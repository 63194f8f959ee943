"""The native kernel format and the kernel library (built-in and user folders)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from workbench.engine import Kernel, apply_kernel
from workbench.engine.atomic_write import is_write_failure
from workbench.engine.library import (
    KernelFileError,
    KernelLibrary,
    LibraryError,
    default_user_dir,
    export_kernel,
    kernel_from_dict,
    kernel_to_dict,
    load_kernel,
    save_kernel,
    slugify,
)
from workbench.paths import builtin_kernels_dir

REQUIRED = [
    "identity",
    "box-blur-3x3",
    "gaussian-3x3",
    "gaussian-5x5",
    "sharpen",
    "unsharp-mask-5x5",
    "laplacian",
    "sobel-x",
    "sobel-y",
    "emboss",
    "motion-blur-9",
]


@pytest.fixture
def library(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_KERNELS", str(tmp_path / "user"))
    return KernelLibrary()


# -- native JSON ---------------------------------------------------------------------------
def test_json_round_trip_keeps_everything(tmp_path):
    kernel = Kernel(
        [[1, 2.5, 1], [2, -4, 2], [1e-9, 2, 1]],
        divisor=3.25,
        offset=-7.5,
        border="wrap",
        name="Mine ✓",
        category="Tests",
        description="a one-line description",
        extra={"author": "me", "tags": ["a", "b"]},
    )
    save_kernel(kernel, tmp_path / "k.json")
    assert load_kernel(tmp_path / "k.json") == kernel
    data = json.loads((tmp_path / "k.json").read_text("utf-8"))
    assert data["format"] == "workbench.kernel" and data["version"] == 1
    assert data["author"] == "me" and data["weights"][0] == [1, 2.5, 1]


def test_colour_kernel_with_offset_list_round_trips(tmp_path):
    weights = np.arange(3 * 3 * 1 * 3, dtype=float).reshape(3, 3, 1, 3)
    kernel = Kernel(weights, offset=[1, 2, 3.5], name="mix")
    save_kernel(kernel, tmp_path / "c.json")
    data = json.loads((tmp_path / "c.json").read_text())
    assert np.array(data["weights"]).shape == (3, 3, 1, 3)
    assert data["offset"] == [1, 2, 3.5]
    assert load_kernel(tmp_path / "c.json") == kernel


def test_defaults_and_name_from_file(tmp_path):
    (tmp_path / "plain.json").write_text('{"weights": [[1]]}')
    kernel = load_kernel(tmp_path / "plain.json")
    assert (kernel.divisor, kernel.offset, kernel.border, kernel.name) == (1, 0, "reflect", "plain")


def test_dict_round_trip_without_files():
    kernel = Kernel([[0, 1, 0]], divisor=2, name="row")
    assert kernel_from_dict(kernel_to_dict(kernel)) == kernel


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON (line 1"),
        ("[1, 2]", "JSON object"),
        ('{"format": "other", "weights": [[1]]}', "format is 'other'"),
        ('{"version": 9, "weights": [[1]]}', "version 9 is newer"),
        ('{"name": "x"}', "'weights' key is missing"),
        ('{"weights": [[1, 2], [3]]}', "ragged"),
        ('{"weights": [[1, 2]]}', "even"),
        ('{"weights": [[1]], "divisor": 0}', "divisor is 0"),
        ('{"weights": [[1]], "border": "bounce"}', "bounce"),
        ('{"weights": [[true]]}', "true/false"),
        ('{"weights": [["a"]]}', "number"),
        ('{"weights": [[1]], "name": 5}', "'name' must be text"),
        ('{"weights": [[1e400]]}', "NaN or infinity"),
        # Weights divided by a tiny divisor would overflow to infinity when applied.
        ('{"weights": [[1, 1, 1]], "divisor": 1e-300}', "divisor 1e-300 is too small"),
        # Hostile nesting: json.loads and list walks recurse, and must not crash the library.
        ('{"weights": ' + "[" * 100_000 + "]" * 100_000 + "}", "nest too deeply"),
        ('{"weights": ' + "[" * 900 + "1" + "]" * 900 + "}", "weights nest 900 lists deep"),
        ('{"weights": [[[[[1]]]]]}', "weights nest 5 lists deep"),
    ],
)
def test_malformed_json_names_path_and_reason(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(KernelFileError) as info:
        load_kernel(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_save_is_atomic_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "k.json"
    save_kernel(Kernel([[1]], name="old"), path)
    before = path.read_bytes()

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", fail)
    with pytest.raises(KernelFileError, match=r"No space left") as info:
        save_kernel(Kernel([[2]], name="new"), path)
    monkeypatch.undo()
    assert is_write_failure(info.value)  # the disk's fault: the CLI exits with 1
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["k.json"]


def test_a_refused_kernel_is_not_a_write_failure(tmp_path):
    with pytest.raises(KernelFileError) as info:
        export_kernel(Kernel([[0.123456789]]), tmp_path / "f.acf")
    assert not is_write_failure(info.value)  # the input's fault: the CLI exits with 2
    with pytest.raises(KernelFileError) as info:
        save_kernel(Kernel([[1]]), tmp_path / "missing" / "k.json")
    assert not is_write_failure(info.value)  # a mistake in the path


def test_save_into_missing_folder(tmp_path):
    with pytest.raises(KernelFileError, match=r"does not exist"):
        save_kernel(Kernel([[1]]), tmp_path / "nope" / "k.json")
    (tmp_path / "file").write_text("")
    with pytest.raises(KernelFileError, match=r"'.*file' is a file, not a folder"):
        save_kernel(Kernel([[1]]), tmp_path / "file" / "k.json")


# -- built-ins -----------------------------------------------------------------------------
def test_builtins_all_load_and_are_documented(library):
    files = sorted(builtin_kernels_dir().glob("*.json"))
    assert len(files) >= 24
    assert library.problems == []
    builtins = [e for e in library.entries if e.builtin]
    assert len(builtins) == len(files)
    for entry in builtins:
        k = entry.kernel
        assert k.name and k.category and k.description, entry.key
        assert "\n" not in k.description
        assert entry.key == entry.path.stem == slugify(entry.key)
    for key in REQUIRED:
        assert key in library
    assert {"Blur", "Sharpen", "Edges", "Emboss", "Artistic"} <= set(library.categories())


def test_classic_weights(library):
    gauss = library.get("gaussian-3x3").kernel
    np.testing.assert_array_equal(gauss.effective_weights(), np.outer([1, 2, 1], [1, 2, 1]) / 16)
    g5 = library.get("gaussian-5x5").kernel.effective_weights()
    np.testing.assert_allclose(g5, np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256)
    np.testing.assert_array_equal(
        library.get("sobel-x").kernel.weights, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    )
    np.testing.assert_array_equal(
        library.get("sobel-y").kernel.weights, np.transpose([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    )
    np.testing.assert_array_equal(
        library.get("laplacian").kernel.weights, [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
    )
    assert library.get("motion-blur-9").kernel.shape in ((1, 9), (9, 9))


def test_brightness_preserving_builtins_keep_a_flat_image(library):
    """Blurs and sharpeners leave a flat grey alone; zero-sum edge kernels give their offset."""
    flat = np.full((12, 12), 100, np.uint8)
    for entry in library.entries:
        k = entry.kernel
        gain = k.total / k.divisor
        out = apply_kernel(flat, k)
        want = np.clip(round(100 * gain + k.offset), 0, 255)
        assert np.all(out == want), entry.key


def test_identity_builtin_is_identity(library):
    img = np.random.default_rng(1).integers(0, 256, (9, 11, 3)).astype(np.uint8)
    np.testing.assert_array_equal(apply_kernel(img, library.resolve("identity")), img)


# -- the user library ----------------------------------------------------------------------
def test_default_user_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_KERNELS", str(tmp_path / "k"))
    assert default_user_dir() == tmp_path / "k"
    monkeypatch.delenv("WORKBENCH_KERNELS")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_user_dir() == tmp_path / "data" / "filter-workbench" / "kernels"


def test_slugify():
    assert slugify("Gaussian blur 3x3") == "gaussian-blur-3x3"
    assert slugify("  Crème brûlée!! ") == "creme-brulee"
    assert slugify("///") == "kernel"
    assert slugify("../../etc/passwd") == "etc-passwd"


def test_save_rename_duplicate_delete(library, tmp_path):
    user = tmp_path / "user"
    assert not user.exists()  # created on the first save
    kernel = Kernel([[1, 1, 1]], divisor=3, name="My Blur", category="Mine")
    key = library.save(kernel)
    assert key == "my-blur" and (user / "my-blur.json").is_file()
    entry = library.get(key)
    assert not entry.builtin and entry.kernel == kernel

    assert library.save(kernel) == "my-blur-2"  # unique unless overwrite
    assert library.save(kernel.replace(divisor=4), "my-blur", overwrite=True) == "my-blur"
    assert library.get("my-blur").kernel.divisor == 4

    new_key = library.rename("my-blur", "Soft Row")
    assert new_key == "soft-row" and library.get(new_key).kernel.name == "Soft Row"
    assert not (user / "my-blur.json").exists()

    copy_key = library.duplicate("gaussian-3x3")
    copy = library.get(copy_key)
    assert copy_key == "gaussian-blur-3x3-copy" and not copy.builtin
    assert copy.kernel.name == "Gaussian blur 3x3 copy"

    library.delete(new_key)
    assert new_key not in library and not (user / "soft-row.json").exists()
    assert "Mine" in library.categories()
    # A second library object sees the same files.
    assert sorted(KernelLibrary().keys()) == sorted(library.keys())


def test_entries_are_built_ins_then_yours_each_by_category_then_name(library):
    for name, category in [("zebra", "Blur"), ("Apple", "Blur"), ("mine", "Zz"), ("b", "Aa")]:
        library.save(Kernel([[1]], name=name, category=category))
    entries = library.entries
    kinds = [e.builtin for e in entries]
    assert kinds == sorted(kinds, reverse=True)  # every built-in before any of yours
    assert [e.key for e in entries if not e.builtin] == ["apple", "zebra", "b", "mine"]
    builtins = [e.kernel for e in entries if e.builtin]
    assert [k.category for k in builtins[:2]] == ["Basic", "Blur"]
    blocks = [
        k.category
        for i, k in enumerate(builtins)
        if i == 0 or builtins[i - 1].category != k.category
    ]
    assert blocks == ["Basic", "Blur", "Sharpen", "Edges", "Emboss", "Artistic"]
    for category in blocks:
        names = [k.name.casefold() for k in builtins if k.category == category]
        assert names == sorted(names)


def test_builtins_are_read_only(library):
    for action in (lambda: library.delete("sharpen"), lambda: library.rename("sharpen", "x")):
        with pytest.raises(LibraryError, match=r"built-in"):
            action()
    with pytest.raises(LibraryError, match=r"built-in"):
        library.save(Kernel([[1]], name="sharpen"), overwrite=True)
    assert library.save(Kernel([[1]], name="sharpen")) == "sharpen-2"
    assert library.get("sharpen").builtin


def test_unknown_key_suggests(library):
    with pytest.raises(LibraryError, match=r"did you mean gaussian-3x3"):
        library.get("gausian-3x3")


def test_malformed_user_file_is_reported_and_skipped(library, tmp_path):
    user = tmp_path / "user"
    library.save(Kernel([[1]], name="good"))
    (user / "broken.json").write_text("{not json")
    (user / "even.json").write_text('{"weights": [[1, 1]]}')
    (user / "sobel-x.json").write_text('{"weights": [[1]]}')  # shadows a built-in
    (user / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    library.reload()
    assert "good" in library and "broken" not in library and "even" not in library
    reasons = {p.name: why for p, why in library.problems}
    assert "not valid JSON" in reasons["broken.json"]
    assert "even" in reasons["even.json"]
    assert "built-in" in reasons["sobel-x.json"]
    assert "nest too deeply" in reasons["deep.json"]
    assert library.get("sobel-x").builtin


def test_broken_user_file_is_named_and_never_overwritten(library, tmp_path):
    broken = tmp_path / "user" / "mine.json"
    broken.parent.mkdir()
    broken.write_text('{"weights": [[1, 1]]}')
    library.reload()
    # Asked for by name, the file's own problem is the answer, not "no kernel named".
    with pytest.raises(LibraryError, match=rf"^{broken}: kernel width 2 is even"):
        library.get("mine")
    key = library.save(Kernel([[1]], name="Mine"))
    assert key == "mine-2"
    assert broken.read_text() == '{"weights": [[1, 1]]}'
    assert library.rename(key, "mine") == "mine-2"  # renaming onto it keeps away too
    assert broken.read_text() == '{"weights": [[1, 1]]}'


def test_resolve_key_or_path(library, tmp_path):
    assert library.resolve("sharpen") == library.get("sharpen").kernel
    path = tmp_path / "mine.json"
    save_kernel(Kernel([[2]], name="two"), path)
    assert library.resolve(str(path)).name == "two"
    with pytest.raises(KernelFileError, match=r"no such file"):
        library.resolve(str(tmp_path / "missing.json"))
    with pytest.raises(LibraryError, match=r"no kernel named 'nothing'"):
        library.resolve("nothing")


def test_builtin_files_are_in_the_canonical_layout(tmp_path):
    """Each shipped file is exactly what save_kernel writes, so edits stay diff-friendly."""
    for path in sorted(builtin_kernels_dir().glob("*.json")):
        save_kernel(load_kernel(path), tmp_path / path.name)
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
