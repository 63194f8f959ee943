"""Hostile and unlucky input on the command line (issue 12): one line, the right status,
nothing half-written, inputs unchanged, and never a hang."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from workbench.engine.imageio import load_image, save_image

RNG = np.random.default_rng(12)


def random_image(shape: tuple[int, ...], dtype: type = np.uint8) -> np.ndarray:
    return RNG.integers(0, np.iinfo(dtype).max + 1, shape, dtype=np.int64).astype(dtype)


#: A subprocess that should end at once is given this long before the test calls it a hang.
HANG = 60


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes: to check that nothing changed."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


# -- learn never writes over an input ---------------------------------------------------
@pytest.mark.parametrize("link", ["same", "spelled", "symlink", "hardlink"])
def test_learn_residual_never_writes_over_an_input(files, run, assert_one_line_error, link):
    save_image(files / "after.png", random_image((24, 32, 3)))
    target = {
        "same": "after.png",
        "spelled": "./sub/../after.png",
        "symlink": "link.png",
        "hardlink": "hard.png",
    }[link]
    (files / "sub").mkdir()
    (files / "link.png").symlink_to(files / "after.png")
    os.link(files / "after.png", files / "hard.png")
    before = snapshot(files)
    result = run("learn", "photo.png", "after.png", "-o", "k.json", "--residual", target, cwd=files)
    assert_one_line_error(result, 2, "would overwrite one of the input files")
    assert snapshot(files) == before


def test_learn_kernel_output_never_writes_over_an_input(files, run, assert_one_line_error):
    (files / "before.json").symlink_to(files / "photo.png")  # a kernel name that is an image
    before = snapshot(files)
    result = run("learn", "photo.png", "photo.png", "-o", "before.json", cwd=files)
    assert_one_line_error(result, 2, "would overwrite one of the input files")
    assert snapshot(files) == before


def test_apply_refuses_a_hard_link_to_its_input(files, run, assert_one_line_error):
    os.link(files / "photo.png", files / "again.png")
    before = snapshot(files)
    result = run("apply", "photo.png", "-k", "sharpen", "-o", "again.png", cwd=files)
    assert_one_line_error(result, 2, "would overwrite its input")
    assert snapshot(files) == before


# -- numbers in kernel files ------------------------------------------------------------
BAD_KERNELS = {
    "huge-int.json": ('{"weights": [[1' + "0" * 309 + "]]}", "too large"),
    "huge-divisor.json": ('{"weights": [[1]], "divisor": 1' + "0" * 309 + "}", "too large"),
    "huge-offset.json": ('{"weights": [[1]], "offset": 1e300}', "offset"),
    "int-offset.json": ('{"weights": [[1]], "offset": 1' + "0" * 400 + "}", "offset"),
    "text-divisor.json": ('{"weights": [[1]], "divisor": "16"}', "divisor must be a number"),
    "bool-divisor.json": ('{"weights": [[1]], "divisor": true}', "divisor must be a number"),
    "bool-offset.json": ('{"weights": [[1]], "offset": false}', "offset must be a number"),
    "text-weight.json": ('{"weights": [["1"]]}', "not text"),
}


@pytest.mark.parametrize("name", sorted(BAD_KERNELS))
def test_bad_numbers_in_a_kernel_file(files, run, assert_one_line_error, name):
    text, message = BAD_KERNELS[name]
    (files / name).write_text(text)
    before = snapshot(files)
    result = run("apply", "photo.png", "-k", name, "-o", "o.png", cwd=files)
    assert_one_line_error(result, 2, message)
    assert "internal error" not in result.stderr
    assert snapshot(files) == before


def test_a_bad_file_in_the_user_library_is_skipped_by_every_command(files, run):
    folder = files / "user-kernels"
    folder.mkdir()
    for name, (text, _) in BAD_KERNELS.items():
        (folder / name).write_text(text)
    (folder / "not-utf8.json").write_bytes(b'{"weights": [[\xff]]}')
    os.mkfifo(folder / "pipe.json")
    (folder / "folder.json").mkdir()
    (folder / "mine.json").write_text('{"weights": [[0, 1, 0]], "name": "Mine"}')

    listing = run("kernels", "list", cwd=files)
    assert listing.returncode == 0, listing.stderr
    assert "mine" in listing.stdout and "gaussian-3x3" in listing.stdout
    skipped = listing.stderr.strip().splitlines()
    assert len(skipped) == len(BAD_KERNELS) + 3, listing.stderr
    assert all(line.startswith("workbench: skipped ") for line in skipped)
    assert "internal error" not in listing.stderr

    result = run("apply", "photo.png", "-k", "gaussian-3x3", "-o", "o.png", cwd=files)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert (files / "o.png").is_file()


# -- never a hang on a pipe or a device --------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["apply", "pipe.png", "-k", "sharpen", "-o", "o.png"],
        ["apply", "photo.png", "-k", "pipe.json", "-o", "o.png"],
        ["apply", "photo.png", "-k", "pipe.settings", "-o", "o.png"],
        ["learn", "photo.png", "pipe.png", "-o", "k.json"],
        ["learn", "pipe.png", "photo.png", "-o", "k.json"],
        ["kernels", "import", "pipe.txt"],
        ["kernels", "show", "pipe.acf"],
        ["apply", "/dev/zero", "-k", "sharpen", "-o", "o.png"],
        ["apply", "photo.png", "-k", "/dev/zero", "-o", "o.png"],
    ],
)
def test_a_pipe_or_device_is_refused_not_read(files, run, assert_one_line_error, args):
    for name in ("pipe.png", "pipe.json", "pipe.settings", "pipe.txt", "pipe.acf"):
        os.mkfifo(files / name)
    before = snapshot(files)
    result = run(*args, cwd=files)  # the fixture's timeout turns a hang into a failure
    message = "device" if "/dev/zero" in args else "named pipe (FIFO)"
    assert_one_line_error(result, 2, message)
    assert snapshot(files) == before
    assert not (files / "o.png").exists() and not (files / "k.json").exists()


# -- empty paths ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["apply", "", "-k", "sharpen", "-o", "out"],
        ["apply", "photo.png", "-k", "sharpen", "-o", ""],
        ["apply", "photo.png", "-k", "", "-o", "o.png"],
        ["learn", "photo.png", "photo.png", "-o", ""],
        ["learn", "photo.png", "photo.png", "-o", "k.json", "--residual", ""],
        ["kernels", "export", "sharpen", ""],
        ["kernels", "import", ""],
    ],
)
def test_an_empty_path_is_refused(files, run, assert_one_line_error, args):
    before = snapshot(files)
    result = run(*args, cwd=files)
    assert_one_line_error(result, 2, "an empty path")
    assert snapshot(files) == before


# -- stdout closed ------------------------------------------------------------------------
def test_closed_stdout_ends_quietly(files, workbench_command):
    env = {**os.environ, "WORKBENCH_KERNELS": str(files / "user-kernels")}
    for args in (["kernels", "list"], ["kernels", "show", "sharpen"]):
        result = subprocess.run(
            [workbench_command, *args],
            cwd=files,
            env=env,
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: os.close(1),
            timeout=HANG,
        )
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""


# -- signals ----------------------------------------------------------------------------
def wait_for(condition, process: subprocess.Popen, what: str) -> None:
    """Poll until ``condition()`` holds; fail if the process ends first or it takes HANG s."""
    deadline = time.monotonic() + HANG
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the command ended before {what}: {process.stderr.read()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"never saw {what}")
        time.sleep(0.001)


def start(workbench_command: str, args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "WORKBENCH_KERNELS": str(cwd / "user-kernels")}
    env.pop("WORKBENCH_DEBUG", None)
    return subprocess.Popen(
        [workbench_command, *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def parts(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_during_a_save_leaves_no_temporary_file(
    tmp_path, workbench_command, signum, status
):
    # Random 16-bit samples compress slowly: the save takes long enough to be caught.
    save_image(tmp_path / "big.tif", random_image((1500, 1500, 3), np.uint16))
    (tmp_path / "out").mkdir()
    process = start(
        workbench_command, ["apply", "big.tif", "-k", "identity", "-o", "out/big.tif"], tmp_path
    )
    wait_for(lambda: parts(tmp_path / "out"), process, "the temporary file")
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=HANG)
    assert process.returncode == status, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert parts(tmp_path / "out") == [], stderr
    # The save stops, or (when a compiled codec swallowed the signal's exception) finishes:
    # either way no file is half-written.
    saved = list((tmp_path / "out").iterdir())
    if saved:
        np.testing.assert_array_equal(
            load_image(saved[0]).pixels, load_image(tmp_path / "big.tif").pixels
        )


def test_an_interrupted_batch_leaves_no_empty_output_folder(tmp_path, workbench_command):
    (tmp_path / "in").mkdir()
    save_image(tmp_path / "in" / "a.png", random_image((1200, 1200, 3)))
    process = start(
        workbench_command,
        ["apply", "in", "-k", "gaussian-3x3", "--repeat", "1000", "-o", "new/"],
        tmp_path,
    )
    wait_for(lambda: (tmp_path / "new").is_dir(), process, "the output folder")
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=HANG)
    assert process.returncode == 143, stderr
    assert not (tmp_path / "new").exists()
    assert len(stderr.strip().splitlines()) == 1, stderr


def test_sigint_still_exits_130_and_cleans_up(tmp_path, workbench_command):
    (tmp_path / "in").mkdir()
    save_image(tmp_path / "in" / "a.png", random_image((1200, 1200, 3)))
    process = start(
        workbench_command,
        ["apply", "in", "-k", "gaussian-3x3", "--repeat", "1000", "-o", "new/"],
        tmp_path,
    )
    wait_for(lambda: (tmp_path / "new").is_dir(), process, "the output folder")
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=HANG)
    assert process.returncode == 130, stderr
    assert not (tmp_path / "new").exists()


# -- importing many presets -------------------------------------------------------------
def gimp_presets(count: int) -> str:
    preset = (
        '(GimpGegl-gegl-convolution-matrix-config "preset {n}" (time 0) (a1 0) (a2 0) (a3 0)'
        " (a4 0) (a5 0) (b1 0) (b2 0) (b3 0) (b4 0) (b5 0) (c1 0) (c2 0) (c3 {w}) (c4 0)"
        " (c5 0) (d1 0) (d2 0) (d3 0) (d4 0) (d5 0) (e1 0) (e2 0) (e3 0) (e4 0) (e5 0)"
        " (divisor 1) (offset 0))\n"
    )
    return "".join(preset.format(n=n, w=n + 1) for n in range(count))


def test_importing_many_presets_adds_them_all(files, run):
    (files / "many.settings").write_text(gimp_presets(300))
    result = run("kernels", "import", "many.settings", cwd=files)
    assert result.returncode == 0, result.stderr
    saved = sorted((files / "user-kernels").glob("*.json"))
    assert len(saved) == 300
    weights = sorted(json.loads(p.read_text())["weights"][0][0] for p in saved)
    assert weights == list(range(1, 301))


# -- messages and statuses ----------------------------------------------------------------
def test_a_flat_pair_is_refused_as_carrying_no_information(files, run, assert_one_line_error):
    save_image(files / "flat.png", np.full((40, 40), 90, np.uint8))
    save_image(files / "flat-after.png", np.full((40, 40), 120, np.uint8))
    result = run("learn", "flat.png", "flat-after.png", "-o", "k.json", cwd=files)
    assert_one_line_error(result, 2, "carries no information")
    assert not (files / "k.json").exists()


def test_a_full_disk_is_one_line_and_status_1(files, workbench_command):
    import resource

    save_image(files / "noisy.png", random_image((300, 300, 3)))

    def small_disk() -> None:  # files may grow to 20 kB: the write fails as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    env = {**os.environ, "WORKBENCH_KERNELS": str(files / "user-kernels")}
    for out in ("o.jpg", "o.png", "o.webp", "o.tif", "o.bmp"):
        result = subprocess.run(
            [workbench_command, "apply", "noisy.png", "-k", "sharpen", "-o", out],
            cwd=files,
            env=env,
            capture_output=True,
            text=True,
            preexec_fn=small_disk,
            timeout=HANG,
        )
        assert result.returncode == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr  # no "Suspension not allowed here" from libjpeg
        assert f"{out}: cannot be written (File too large)" in lines[0], lines[0]
        assert not (files / out).exists() and not parts(files)


def test_a_noisy_image_saves_as_jpeg_at_high_quality(files, run):
    # Pillow's optimised JPEG encoder once overflowed its buffer on noise at quality 95+.
    save_image(files / "noisy.png", random_image((300, 300, 3)))
    result = run(
        "apply", "noisy.png", "-k", "identity", "-o", "o.jpg", "--quality", "100", cwd=files
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_an_animation_is_said_once_and_filtered_from_its_first_frame(files, run):
    from PIL import Image

    frames = [Image.fromarray(random_image((16, 16, 3))) for _ in range(5)]
    frames[0].save(files / "anim.gif", save_all=True, append_images=frames[1:])
    result = run("apply", "anim.gif", "-k", "identity", "-o", "o.png", cwd=files)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "workbench: anim.gif: it holds 5 frames (an animation); only the first is used"
    ]


def test_a_five_channel_tiff_is_refused_naming_the_layout(files, run, assert_one_line_error):
    import tifffile

    tifffile.imwrite(
        files / "five.tif",
        random_image((8, 8, 5)),
        photometric="rgb",
        extrasamples=["unspecified"] * 2,
    )
    result = run("apply", "five.tif", "-k", "identity", "-o", "o.tif", cwd=files)
    assert_one_line_error(result, 2, "5 channels per pixel is not supported")


def test_out_of_memory_while_filtering_is_status_1_and_one_line(files, capsys, monkeypatch):
    import workbench.engine
    from workbench import cli

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setenv("WORKBENCH_KERNELS", str(files / "user-kernels"))
    monkeypatch.chdir(files)
    monkeypatch.setattr(workbench.engine, "apply_kernel_in_place", no_memory)
    status = cli.main(["apply", "photo.png", "-k", "gaussian-5x5", "-o", "o.png"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1
    assert err == [
        "workbench: photo.png: not enough memory for a 32 x 24 image with a 5x5 kernel: try "
        "--strategy direct, a smaller image, or close other programs"
    ]
    assert not (files / "o.png").exists()


def test_out_of_memory_while_loading_is_status_1_too(files, capsys, monkeypatch):
    from workbench import cli
    from workbench.engine import imageio

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setenv("WORKBENCH_KERNELS", str(files / "user-kernels"))
    monkeypatch.chdir(files)
    monkeypatch.setattr(imageio, "_load_with_pillow", no_memory)
    status = cli.main(["apply", "gray.jpg", "-k", "sharpen", "-o", "o.png"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1
    assert err == ["workbench: gray.jpg: not enough memory to load this image"]


def test_a_library_warning_is_not_a_second_line(files, capsys, monkeypatch):
    import warnings

    import workbench.engine
    from workbench import cli

    real = workbench.engine.apply_kernel_in_place

    def overflowing(*args, **kwargs):  # as numpy does on an overflowing multiply
        warnings.warn("overflow encountered in multiply", RuntimeWarning, stacklevel=1)
        return real(*args, **kwargs)

    monkeypatch.setenv("WORKBENCH_KERNELS", str(files / "user-kernels"))
    monkeypatch.chdir(files)
    monkeypatch.setattr(workbench.engine, "apply_kernel_in_place", overflowing)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        # As Python shows a warning outside pytest: on stderr.
        warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: (
            sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))
        )
        status = cli.main(["apply", "photo.png", "-k", "sharpen", "-o", "o.png"])
    assert status == 0
    assert capsys.readouterr().err == ""
