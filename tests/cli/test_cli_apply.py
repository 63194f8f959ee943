"""``workbench apply``: the installed command on real image and kernel files."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from workbench.engine import Kernel, apply_kernel
from workbench.engine.imageio import load_image
from workbench.engine.library import KernelLibrary, load_kernel, save_kernel

LIBRARY = KernelLibrary(user_dir=Path("/nonexistent-user-dir"))


def test_apply_one_image_matches_the_engine(files, run):
    result = run("apply", "photo.png", "-k", "gaussian-3x3", "-o", "out.png", cwd=files)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    src = load_image(files / "photo.png").pixels
    want = apply_kernel(src, LIBRARY.get("gaussian-3x3").kernel)
    np.testing.assert_array_equal(load_image(files / "out.png").pixels, want)


def test_apply_options_border_repeat_strategy(files, run):
    args = ["--border", "wrap", "--repeat", "3", "--strategy", "fft"]
    result = run("apply", "deep.tif", "-k", "sharpen", "-o", "out.tif", *args, cwd=files)
    assert result.returncode == 0, result.stderr
    want = load_image(files / "deep.tif").pixels
    for _ in range(3):
        want = apply_kernel(want, LIBRARY.get("sharpen").kernel, border="wrap", strategy="fft")
    got = load_image(files / "out.tif")
    assert got.bit_depth == 16
    np.testing.assert_array_equal(got.pixels, want)


def test_apply_kernel_from_files(files, run):
    save_kernel(Kernel([[1, 0, -1]], offset=128, name="diff"), files / "diff.json")
    words = [0] * 25
    words[12], words[13] = 1, 1
    (files / "pair.acf").write_bytes(struct.pack(">27h", *words, 2, 0))
    src = load_image(files / "photo.png").pixels
    for kernel_file, kernel in [
        ("diff.json", load_kernel(files / "diff.json")),
        ("pair.acf", Kernel([[0, 1, 1]], divisor=2, border="nearest")),
    ]:
        result = run("apply", "photo.png", "-k", kernel_file, "-o", "k.png", cwd=files)
        assert result.returncode == 0, result.stderr
        np.testing.assert_array_equal(load_image(files / "k.png").pixels, apply_kernel(src, kernel))


def test_apply_batch_of_files_and_a_folder(files, run):
    result = run("apply", "photo.png", "deep.tif", "-k", "emboss", "-o", "batch", cwd=files)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (files / "batch").iterdir()) == ["deep.tif", "photo.png"]
    emboss = LIBRARY.get("emboss").kernel
    for name in ("deep.tif", "photo.png"):
        want = apply_kernel(load_image(files / name).pixels, emboss)
        np.testing.assert_array_equal(load_image(files / "batch" / name).pixels, want)

    (files / "folder").mkdir()
    for name in ("photo.png", "gray.jpg"):
        shutil.copy(files / name, files / "folder" / name)
    (files / "folder" / "notes.txt").write_text("not an image")
    result = run("apply", "folder", "-k", "box-blur-3x3", "-o", "out", cwd=files)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (files / "out").iterdir()) == ["gray.jpg", "photo.png"]


def test_batch_keeps_going_past_a_bad_file(files, run, assert_one_line_error):
    (files / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    result = run("apply", "broken.png", "photo.png", "-k", "sharpen", "-o", "out", cwd=files)
    assert_one_line_error(result, 2, "broken.png: ")
    assert [p.name for p in (files / "out").iterdir()] == ["photo.png"]


def test_batch_keeps_going_past_an_image_the_kernel_does_not_fit(files, run, assert_one_line_error):
    mix = Kernel(np.eye(3).reshape(3, 3, 1, 1)[::-1], name="swap red and blue")
    save_kernel(mix, files / "mix.json")
    result = run("apply", "gray.jpg", "photo.png", "-k", "mix.json", "-o", "out", cwd=files)
    assert_one_line_error(result, 2, "gray.jpg: ")
    assert [p.name for p in (files / "out").iterdir()] == ["photo.png"]
    src = load_image(files / "photo.png").pixels
    np.testing.assert_array_equal(load_image(files / "out" / "photo.png").pixels, src[..., ::-1])


def test_batch_that_writes_nothing_leaves_no_folder(files, run):
    (files / "a.png").write_text("not an image")
    (files / "b.png").write_text("not one either")
    result = run("apply", "a.png", "b.png", "-k", "sharpen", "-o", "new", cwd=files)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 2  # one line per bad file
    assert not (files / "new").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.png", "-k", "sharpen", "-o", "o.png"], "missing.png: no such file"),
        (["photo.png", "-k", "sharpn", "-o", "o.png"], "did you mean sharpen"),
        (["photo.png", "-k", "nope.json", "-o", "o.png"], "nope.json: no such file"),
        (["photo.png", "-k", "sharpen", "-o", "o.gif"], "unknown image type '.gif'"),
        (["deep.tif", "-k", "sharpen", "-o", "o.jpg"], "JPEG holds 8 bits"),
        (["deep.tif", "-k", "sharpen", "-o", "o.bmp"], "BMP holds 8 bits"),
        (["photo.png", "-k", "sharpen", "-o", "photo.png"], "would overwrite its input"),
        (["photo.png", "-k", "sharpen", "-o", "no/dir/o.png"], "does not exist"),
        (["photo.png", "gray.jpg", "-k", "sharpen", "-o", "o.png"], "-o must be a folder"),
        (["photo.png", "-k", "sharpen", "-o", "gray.jpg/o.png"], "is a file, not a folder"),
        (["photo.png", "-k", "sharpen"], "required: -o/--output"),
        (["photo.png", "-k", "sharpen", "-o", "o.png", "--repeat", "0"], "from 1 to 1000"),
        (["photo.png", "-k", "sharpen", "-o", "o.png", "--repeat", "9" * 20], "from 1 to 1000"),
        (["photo.png", "-k", "sharpen", "-o", "o.png", "--repeat", "1001"], "from 1 to 1000"),
        (["photo.png", "-k", "sharpen", "-o", "o.png", "--quality", "101"], "from 1 to 100"),
        (["photo.png", "-k", "nested.json", "-o", "o.png"], "nested.json: lists nest too"),
        (["photo.png", "-k", "user-kernels", "-o", "o.png"], "is a folder, not a kernel"),
        (["photo.png", "-k", "sharpen", "-o", "o.png", "--border", "x"], "invalid choice"),
        (["photo.png", "-k", "sharpen", "-o", "o.png", "--strategy", "x"], "invalid choice"),
    ],
)
def test_apply_bad_input(files, args, message, run, assert_one_line_error):
    (files / "nested.json").write_text("[" * 100_000 + "]" * 100_000)
    (files / "user-kernels").mkdir()
    before = sorted(p.name for p in files.iterdir())
    result = run("apply", *args, cwd=files)
    assert_one_line_error(result, 2, message)
    assert sorted(p.name for p in files.iterdir()) == before  # nothing left behind


def test_apply_bad_image_file_and_kernel_file(files, run, assert_one_line_error):
    (files / "fake.png").write_text("hello")
    result = run("apply", "fake.png", "-k", "sharpen", "-o", "o.png", cwd=files)
    assert_one_line_error(result, 2, "fake.png: not an image file")
    (files / "bad.json").write_text('{"weights": [[1, 2]]}')
    result = run("apply", "photo.png", "-k", "bad.json", "-o", "o.png", cwd=files)
    assert_one_line_error(result, 2, "bad.json: kernel width 2 is even")
    assert not (files / "o.png").exists()


def test_apply_write_failure_is_status_1(files, run, assert_one_line_error):
    result = run("apply", "photo.png", "-k", "sharpen", "-o", "/proc/out.png", cwd=files)
    assert_one_line_error(result, 1, "out.png: cannot write in '/proc'")
    result = run("apply", "photo.png", "gray.jpg", "-k", "sharpen", "-o", "/proc/out", cwd=files)
    assert_one_line_error(result, 1, "/proc/out: cannot create the folder")


def test_output_ending_in_a_slash_is_a_new_folder(files, run):
    result = run("apply", "photo.png", "-k", "sharpen", "-o", "results/", cwd=files)
    assert result.returncode == 0, result.stderr
    want = apply_kernel(load_image(files / "photo.png").pixels, LIBRARY.get("sharpen").kernel)
    np.testing.assert_array_equal(load_image(files / "results" / "photo.png").pixels, want)


def test_two_inputs_with_the_same_name_are_refused_before_any_is_written(
    files, run, assert_one_line_error
):
    (files / "other").mkdir()
    shutil.copy(files / "photo.png", files / "other" / "photo.png")
    result = run("apply", "photo.png", "other/photo.png", "-k", "sharpen", "-o", "out", cwd=files)
    assert_one_line_error(result, 2, "two input images have the same file name")
    assert not (files / "out").exists()


def test_folder_input_needs_a_folder_output(files, run, assert_one_line_error):
    (files / "in").mkdir()
    shutil.copy(files / "photo.png", files / "in")
    result = run("apply", "in", "-k", "sharpen", "-o", "o.png", cwd=files)
    assert_one_line_error(result, 2, "o.png: with a folder of images, -o must be a folder")
    assert not (files / "o.png").exists()


def test_damaged_tiff_is_one_line(files, run, assert_one_line_error):
    data = (files / "deep.tif").read_bytes()
    (files / "cut.tif").write_bytes(data[:8])  # the header, but the first page is gone
    result = run("apply", "cut.tif", "-k", "sharpen", "-o", "o.tif", cwd=files)
    assert_one_line_error(result, 2, "cut.tif: damaged or truncated image data")
    assert not (files / "o.tif").exists()


def test_progress_bar_only_on_a_terminal(files, run, workbench_command):
    pty = pytest.importorskip("pty")
    reader, writer = pty.openpty()
    try:
        proc = subprocess.run(
            [workbench_command, "apply", "photo.png", "-k", "gaussian-7x7", "-o", "o.png"],
            cwd=files,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=writer,
            env={**os.environ, "WORKBENCH_KERNELS": str(files / "k")},
            timeout=120,
        )
        os.close(writer)
        writer = -1
        shown = b""
        while True:
            try:
                chunk = os.read(reader, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if writer != -1:
            os.close(writer)
        os.close(reader)
    assert proc.returncode == 0
    assert b"photo.png" in shown and b"100%" in shown and b"#" in shown


@pytest.mark.parametrize("name", ["sharpen", "blur5-white", "green-none"])
def test_apply_with_a_gimp_preset_gives_gimps_result(files, run, name):
    data = Path(__file__).parents[1] / "data" / "gegl"
    out = files / "out.png"
    result = run(
        "apply", data / "photo.png", "-k", data / f"preset-{name}.settings", "-o", out, cwd=files
    )
    assert result.returncode == 0, result.stderr
    ours = load_image(out).pixels.astype(int)
    gegl = load_image(data / f"preset-{name}.png").pixels[:, :, :3].astype(int)
    assert np.abs(ours - gegl)[2:-2, 2:-2].max() <= 1
