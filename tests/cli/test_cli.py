"""The installed ``workbench`` command, run in a subprocess on real files."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from workbench.engine import Kernel, apply_kernel
from workbench.engine.imageio import load_image, save_image
from workbench.engine.library import KernelLibrary, load_kernel, save_kernel


def find_command() -> str:
    here = Path(sys.executable).parent
    found = shutil.which("workbench", path=str(here)) or shutil.which("workbench")
    if found is None:
        pytest.skip("the workbench command is not installed")
    return found


WORKBENCH = find_command()
RNG = np.random.default_rng(3)
LIBRARY = KernelLibrary(user_dir=Path("/nonexistent-user-dir"))


def run(*args: str | Path, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "WORKBENCH_KERNELS": str(cwd / "user-kernels")}
    environment.pop("WORKBENCH_DEBUG", None)
    environment.update(env or {})
    return subprocess.run(
        [WORKBENCH, *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, status: int, text: str) -> None:
    assert result.returncode == status, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert text in lines[0], lines[0]


def image(shape: tuple[int, ...], dtype: type = np.uint8) -> np.ndarray:
    top = np.iinfo(dtype).max
    return RNG.integers(0, top + 1, shape, dtype=np.int64).astype(dtype)


@pytest.fixture
def files(tmp_path):
    save_image(tmp_path / "photo.png", image((24, 32, 3)))
    save_image(tmp_path / "deep.tif", image((20, 18, 4), np.uint16))
    save_image(tmp_path / "gray.jpg", image((16, 16)))
    return tmp_path


# -- apply ---------------------------------------------------------------------------------
def test_apply_one_image_matches_the_engine(files):
    result = run("apply", "photo.png", "-k", "gaussian-3x3", "-o", "out.png", cwd=files)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    src = load_image(files / "photo.png").pixels
    want = apply_kernel(src, LIBRARY.get("gaussian-3x3").kernel)
    np.testing.assert_array_equal(load_image(files / "out.png").pixels, want)


def test_apply_options_border_repeat_strategy(files):
    args = ["--border", "wrap", "--repeat", "3", "--strategy", "fft"]
    result = run("apply", "deep.tif", "-k", "sharpen", "-o", "out.tif", *args, cwd=files)
    assert result.returncode == 0, result.stderr
    want = load_image(files / "deep.tif").pixels
    for _ in range(3):
        want = apply_kernel(want, LIBRARY.get("sharpen").kernel, border="wrap", strategy="fft")
    got = load_image(files / "out.tif")
    assert got.bit_depth == 16
    np.testing.assert_array_equal(got.pixels, want)


def test_apply_kernel_from_files(files):
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


def test_apply_batch_of_files_and_a_folder(files):
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


def test_batch_keeps_going_past_a_bad_file(files):
    (files / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    result = run("apply", "broken.png", "photo.png", "-k", "sharpen", "-o", "out", cwd=files)
    assert_one_line_error(result, 2, "broken.png: ")
    assert [p.name for p in (files / "out").iterdir()] == ["photo.png"]


def test_batch_keeps_going_past_an_image_the_kernel_does_not_fit(files):
    mix = Kernel(np.eye(3).reshape(3, 3, 1, 1)[::-1], name="swap red and blue")
    save_kernel(mix, files / "mix.json")
    result = run("apply", "gray.jpg", "photo.png", "-k", "mix.json", "-o", "out", cwd=files)
    assert_one_line_error(result, 2, "gray.jpg: ")
    assert [p.name for p in (files / "out").iterdir()] == ["photo.png"]
    src = load_image(files / "photo.png").pixels
    np.testing.assert_array_equal(load_image(files / "out" / "photo.png").pixels, src[..., ::-1])


def test_batch_that_writes_nothing_leaves_no_folder(files):
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
        (["photo.png", "-k", "sharpen", "-o", "o.png", "--repeat", "0"], "1 or more"),
        (["photo.png", "-k", "sharpen", "-o", "o.png", "--border", "x"], "invalid choice"),
        (["photo.png", "-k", "sharpen", "-o", "o.png", "--strategy", "x"], "invalid choice"),
    ],
)
def test_apply_bad_input(files, args, message):
    before = sorted(p.name for p in files.iterdir())
    result = run("apply", *args, cwd=files)
    assert_one_line_error(result, 2, message)
    assert sorted(p.name for p in files.iterdir()) == before  # nothing left behind


def test_apply_bad_image_file_and_kernel_file(files):
    (files / "fake.png").write_text("hello")
    result = run("apply", "fake.png", "-k", "sharpen", "-o", "o.png", cwd=files)
    assert_one_line_error(result, 2, "fake.png: not an image file")
    (files / "bad.json").write_text('{"weights": [[1, 2]]}')
    result = run("apply", "photo.png", "-k", "bad.json", "-o", "o.png", cwd=files)
    assert_one_line_error(result, 2, "bad.json: kernel width 2 is even")
    assert not (files / "o.png").exists()


def test_apply_write_failure_is_status_1(files):
    result = run("apply", "photo.png", "-k", "sharpen", "-o", "/proc/out.png", cwd=files)
    assert_one_line_error(result, 1, "out.png: cannot write in '/proc'")
    result = run("apply", "photo.png", "gray.jpg", "-k", "sharpen", "-o", "/proc/out", cwd=files)
    assert_one_line_error(result, 1, "/proc/out: cannot create the folder")


def test_folder_input_needs_a_folder_output(files):
    (files / "in").mkdir()
    shutil.copy(files / "photo.png", files / "in")
    result = run("apply", "in", "-k", "sharpen", "-o", "o.png", cwd=files)
    assert_one_line_error(result, 2, "o.png: with a folder of images, -o must be a folder")
    assert not (files / "o.png").exists()


def test_damaged_tiff_is_one_line(files):
    data = (files / "deep.tif").read_bytes()
    (files / "cut.tif").write_bytes(data[:8])  # the header, but the first page is gone
    result = run("apply", "cut.tif", "-k", "sharpen", "-o", "o.tif", cwd=files)
    assert_one_line_error(result, 2, "cut.tif: damaged or truncated image data")
    assert not (files / "o.tif").exists()


def test_progress_bar_only_on_a_terminal(files):
    pty = pytest.importorskip("pty")
    reader, writer = pty.openpty()
    try:
        proc = subprocess.run(
            [WORKBENCH, "apply", "photo.png", "-k", "gaussian-7x7", "-o", "o.png"],
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


# -- learn ---------------------------------------------------------------------------------
def test_learn_recovers_a_kernel(files):
    before = image((48, 48))
    save_image(files / "before.png", before)
    save_image(files / "after.png", apply_kernel(before, LIBRARY.get("gaussian-3x3").kernel))
    before2 = image((40, 40))
    save_image(files / "b2.png", before2)
    save_image(files / "a2.png", apply_kernel(before2, LIBRARY.get("gaussian-3x3").kernel))
    result = run(
        "learn", "before.png", "after.png", "--pair", "b2.png", "a2.png",
        "-o", "learned.json", "--size", "3", "--residual", "residual.tif",
        cwd=files,
    )  # fmt: skip
    if result.returncode == 1 and "not available" in result.stderr:
        pytest.skip("fit_kernel is not available yet")
    assert result.returncode == 0, result.stderr
    assert "RMSE" in result.stdout and "learned.json" in result.stdout
    kernel = load_kernel(files / "learned.json")
    np.testing.assert_allclose(
        kernel.effective_weights(), np.outer([1, 2, 1], [1, 2, 1]) / 16, atol=0.01
    )
    residual = load_image(files / "residual.tif").pixels
    assert residual.shape == before.shape and residual.dtype == np.float32
    assert np.abs(residual[4:-4, 4:-4] - 0.5).max() < 2 / 255  # only rounding is left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["photo.png", "missing.png", "-o", "k.json"], "missing.png: no such file"),
        (["photo.png", "photo.png", "-o", "k.png"], "save the kernel as one of"),
        (["photo.png", "photo.png", "-o", "k.json", "--size", "4"], "must be odd"),
        (["photo.png", "photo.png", "-o", "k.json", "--mode", "x"], "invalid choice"),
        (["photo.png", "photo.png", "-o", "nodir/k.json"], "does not exist"),
        (["photo.png", "gray.jpg", "-o", "k.json"], ""),  # different sizes: LearnError
    ],
)
def test_learn_bad_input(files, args, message):
    result = run("learn", *args, cwd=files)
    if result.returncode == 1 and "not available" in result.stderr:
        pytest.skip("fit_kernel is not available yet")
    assert_one_line_error(result, 2, message)
    assert not (files / "k.json").exists()


def test_learn_refuses_an_unwritable_folder_before_fitting(files):
    result = run("learn", "photo.png", "photo.png", "-o", "/proc/k.json", cwd=files)
    assert_one_line_error(result, 1, "/proc/k.json: cannot write in '/proc'")
    assert result.stdout == ""  # no fit report: the fit never ran
    args = ["-o", "k.json", "--residual", "/proc/r.png"]
    result = run("learn", "photo.png", "photo.png", *args, cwd=files)
    assert_one_line_error(result, 1, "/proc/r.png: cannot write in '/proc'")
    assert result.stdout == ""
    assert not (files / "k.json").exists()


def test_learn_not_available_is_one_line_status_1(monkeypatch, capsys, files):
    from workbench import cli
    from workbench.engine import LearnError

    def unavailable(*args, **kwargs):
        raise LearnError("learning a kernel is not available yet")

    monkeypatch.setattr("workbench.cli_learn.fit_kernel", unavailable)
    monkeypatch.chdir(files)
    status = cli.main(["learn", "photo.png", "photo.png", "-o", "k.json"])
    err = capsys.readouterr().err
    assert status == 1
    assert err == "workbench: learning a kernel is not available yet\n"


# -- kernels -------------------------------------------------------------------------------
def test_kernels_list_and_show(files):
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


def test_kernels_import_export_round_trip(files):
    text = files / "mine.txt"
    text.write_text("0 -1 0\n-1 5 -1\n0 -1 0\n")
    result = run("kernels", "import", "mine.txt", cwd=files)
    assert result.returncode == 0, result.stderr
    assert "as mine" in result.stdout and "Normalize" in result.stdout
    user = files / "user-kernels"
    assert (user / "mine.json").is_file()
    assert "mine" in run("kernels", "list", cwd=files).stdout
    result = run("kernels", "export", "mine", "mine.acf", cwd=files)
    assert result.returncode == 0, result.stderr
    words = struct.unpack(">27h", (files / "mine.acf").read_bytes())
    assert words[6:9] == (0, -1, 0) and words[11:14] == (-1, 5, -1) and words[25:] == (1, 0)
    result = run("kernels", "export", "gaussian-7x7", "g.acf", cwd=files)
    assert_one_line_error(result, 2, "at most 5x5")
    assert not (files / "g.acf").exists()


def test_kernel_that_does_not_fit_the_image_and_export_failure(files):
    save_kernel(Kernel(np.ones((3, 3, 1, 1)), name="mix"), files / "mix.json")
    result = run("apply", "gray.jpg", "-k", "mix.json", "-o", "o.png", cwd=files)
    assert_one_line_error(result, 2, "colour kernel")
    assert not (files / "o.png").exists()
    result = run("kernels", "export", "sharpen", "/proc/sharpen.json", cwd=files)
    assert_one_line_error(result, 1, "cannot write in")


def test_kernels_errors_and_broken_user_file(files):
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


def test_reader_that_goes_away_is_not_an_error(files):
    # As in `workbench kernels list | head -1`: the pipe closes before the output is written.
    environment = {**os.environ, "WORKBENCH_KERNELS": str(files / "user-kernels")}
    process = subprocess.Popen(
        [WORKBENCH, "kernels", "list"],
        cwd=files,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()
    _, err = process.communicate(timeout=60)
    assert err == b""
    assert process.returncode == 141


# -- the desktop app -----------------------------------------------------------------------
def test_unknown_option_and_help(files):
    assert_one_line_error(run("--frobnicate", cwd=files), 2, "unknown option --frobnicate")
    result = run("--help", cwd=files)
    assert result.returncode == 0 and "workbench apply" in result.stdout


def test_image_names_go_to_the_app(monkeypatch):
    from workbench import cli

    seen = []
    fake = type(sys)("workbench.gui.app")
    fake.main = lambda paths: seen.append(paths) or 0
    monkeypatch.setitem(sys.modules, "workbench.gui.app", fake)
    assert cli.main(["apply.png", "learn"]) == 0
    assert cli.main([]) == 0
    assert seen == [["apply.png", "learn"], []]


def test_missing_app_is_a_clear_error(monkeypatch, capsys):
    from workbench import cli

    monkeypatch.setitem(sys.modules, "workbench.gui.app", None)
    assert cli.main(["photo.png"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("workbench: the desktop app is not available") and err.count("\n") == 1
