"""``workbench kernels list | show | import | export``: the installed command."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from workbench.engine import Kernel
from workbench.engine.library import KernelLibrary, save_kernel

LIBRARY = KernelLibrary(user_dir=Path("/nonexistent-user-dir"))


def test_kernels_list_and_show(files, run):
    result = run("kernels", "list", cwd=files)
    assert result.returncode == 0, result.stderr
    for entry in LIBRARY.entries:
        assert entry.key in result.stdout
    shown = run("kernels", "show", "gaussian-3x3", cwd=files)
    assert shown.returncode == 0
    assert "divisor 16" in shown.stdout
    assert shown.stdout.rstrip().splitlines()[-3:] == ["  1  2  1", "  2  4  2", "  1  2  1"]
    shown = run("kernels", "show", "unsharp-mask-5x5", cwd=files).stdout.splitlines()
    grid = shown[-5:]
    assert len({len(line) for line in grid}) == 1  # aligned columns
    assert grid[2].split() == ["-6", "-24", "476", "-24", "-6"]


def test_kernels_import_export_round_trip(files, run, assert_one_line_error):
    text = files / "mine.txt"
    text.write_text("0 -1 0\n-1 5 -1\n0 -1 0\n")
    result = run("kernels", "import", "mine.txt", cwd=files)
    assert result.returncode == 0, result.stderr
    assert "as mine" in result.stdout and "Normalize" in result.stdout
    user = files / "user-kernels"
    assert (user / "mine.json").is_file()
    listed = run("kernels", "list", cwd=files).stdout.splitlines()
    assert [line.split()[0] for line in listed if line.endswith("(yours)")] == ["mine"]
    result = run("kernels", "export", "mine", "mine.acf", cwd=files)
    assert result.returncode == 0, result.stderr
    words = struct.unpack(">27h", (files / "mine.acf").read_bytes())
    assert words[6:9] == (0, -1, 0) and words[11:14] == (-1, 5, -1) and words[25:] == (1, 0)
    result = run("kernels", "export", "gaussian-7x7", "g.acf", cwd=files)
    assert_one_line_error(result, 2, "at most 5x5")
    assert not (files / "g.acf").exists()
    # A refusal worded "cannot be written that way" is still the input's fault: status 2.
    save_kernel(Kernel([[0.123456789]]), files / "fraction.json")
    result = run("kernels", "export", "fraction.json", "f.acf", cwd=files)
    assert_one_line_error(result, 2, "cannot be written that way without rounding")
    assert not (files / "f.acf").exists()


def test_kernel_that_does_not_fit_the_image_and_export_failure(files, run, assert_one_line_error):
    save_kernel(Kernel(np.ones((3, 3, 1, 1)), name="mix"), files / "mix.json")
    result = run("apply", "gray.jpg", "-k", "mix.json", "-o", "o.png", cwd=files)
    assert_one_line_error(result, 2, "colour kernel")
    assert not (files / "o.png").exists()
    result = run("kernels", "export", "sharpen", "/proc/sharpen.json", cwd=files)
    assert_one_line_error(result, 1, "cannot write in")


def test_kernels_errors_and_broken_user_file(files, run, assert_one_line_error):
    assert_one_line_error(run("kernels", "show", "nope", cwd=files), 2, "no kernel named 'nope'")
    assert_one_line_error(run("kernels", cwd=files), 2, "required: ACTION")
    assert_one_line_error(run("kernels", "import", "x.doc", cwd=files), 2, "unknown kernel file")
    user = files / "user-kernels"
    user.mkdir()
    (user / "broken.json").write_text("{")
    result = run("kernels", "list", cwd=files)
    assert result.returncode == 0
    assert "skipped" in result.stderr and "broken.json" in result.stderr
    # Asked for by name, the file's problem is the one line, not "no kernel named".
    result = run("kernels", "show", "broken", cwd=files)
    assert_one_line_error(result, 2, "broken.json: not valid JSON")
    result = run("apply", "photo.png", "-k", "broken", "-o", "o.png", cwd=files)
    assert_one_line_error(result, 2, "broken.json: not valid JSON")


def test_import_adds_nothing_when_one_of_the_files_is_bad(files, run, assert_one_line_error):
    (files / "good.txt").write_text("0 -1 0\n-1 5 -1\n0 -1 0\n")
    (files / "bad.txt").write_text("1 2\n3 4\n")  # even size
    result = run("kernels", "import", "good.txt", "bad.txt", cwd=files)
    assert_one_line_error(result, 2, "bad.txt: ")
    assert not (files / "user-kernels").exists() or not any((files / "user-kernels").iterdir())
    assert result.stdout == ""


def test_import_of_gimp_presets_keeps_the_valid_ones_and_says_how_many(files, run):
    # A real kind of file: one preset that GIMP itself saved with a weight of 2^64.
    presets = Path(__file__).parents[1] / "data" / "gegl" / "presets.settings"
    result = run("kernels", "import", presets, cwd=files)
    assert result.returncode == 0, result.stderr
    assert "Imported 6 of 7 presets from presets.settings." in result.stdout
    assert "Not imported: preset 'Broken': kernel weights are too large" in result.stdout
    assert len(list((files / "user-kernels").glob("*.json"))) == 6
