"""``workbench apply`` on several files at once: threads, order, errors, Ctrl+C, PNG levels."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from workbench.engine import apply_kernel
from workbench.engine.imageio import load_image, save_image
from workbench.engine.library import KernelLibrary

LIBRARY = KernelLibrary(user_dir=Path("/nonexistent-user-dir"))
RNG = np.random.default_rng(17)


def random_image(shape: tuple[int, ...], dtype: type = np.uint8) -> np.ndarray:
    return RNG.integers(0, np.iinfo(dtype).max + 1, shape, dtype=np.int64).astype(dtype)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Nine images of three kinds and sizes, so threads finish out of order."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(9):
        shape = [(40, 30, 3), (120, 90), (25, 60, 4)][i % 3]
        dtype = np.uint16 if i % 4 == 1 else np.uint8
        ext = ".jpg" if dtype == np.uint8 and len(shape) == 2 else ".png"
        save_image(src / f"img{i}{ext}", random_image(shape, dtype))
    return tmp_path


def test_threaded_batch_writes_what_the_sequential_one_writes(folder, run):
    threaded = run(
        "apply",
        "in",
        "-k",
        "unsharp-mask-5x5",
        "-o",
        "t",
        cwd=folder,
        env={"WORKBENCH_THREADS": "3"},
    )
    sequential = run(
        "apply",
        "in",
        "-k",
        "unsharp-mask-5x5",
        "-o",
        "s",
        cwd=folder,
        env={"WORKBENCH_THREADS": "1"},
    )
    assert threaded.returncode == sequential.returncode == 0, threaded.stderr
    names = sorted(p.name for p in (folder / "in").iterdir())
    assert sorted(p.name for p in (folder / "t").iterdir()) == names
    kernel = LIBRARY.get("unsharp-mask-5x5").kernel
    for name in names:
        assert (folder / "t" / name).read_bytes() == (folder / "s" / name).read_bytes(), name
        if name.endswith(".jpg"):
            continue  # lossy: the same bytes is what there is to compare
        want = apply_kernel(load_image(folder / "in" / name).pixels, kernel)
        np.testing.assert_array_equal(load_image(folder / "t" / name).pixels, want)


def test_bad_files_in_the_middle_are_said_in_input_order(folder, run):
    good = sorted(p.name for p in (folder / "in").iterdir())
    (folder / "in" / "img3-bad.png").write_bytes(b"\x89PNG\r\n\x1a\n damaged")
    (folder / "in" / "img6-bad.png").write_text("not an image")
    result = run(
        "apply", "in", "-k", "sharpen", "-o", "out", cwd=folder, env={"WORKBENCH_THREADS": "3"}
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in result.stderr
    assert lines[0].startswith("workbench: img3-bad.png: ")
    assert lines[1].startswith("workbench: img6-bad.png: ")
    assert sorted(p.name for p in (folder / "out").iterdir()) == good


def test_ctrl_c_stops_a_threaded_batch_without_partial_files(tmp_path, workbench_command):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(12):
        save_image(src / f"big{i:02}.png", random_image((700, 900, 3)))
    out = tmp_path / "out"
    env = {**os.environ, "WORKBENCH_KERNELS": str(tmp_path / "k"), "WORKBENCH_THREADS": "2"}
    proc = subprocess.Popen(
        [
            workbench_command,
            "apply",
            "in",
            "-k",
            "gaussian-7x7",
            "-o",
            "out",
            "--repeat",
            "4",
            "--png-compression",
            "9",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (out.is_dir() and any(out.iterdir())) and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    if proc.returncode == 0:
        pytest.skip("the batch finished before it could be interrupted")
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "workbench: interrupted"
    assert "Traceback" not in err
    left = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert not [name for name in left if name.endswith(".part") or name.startswith(".")]
    assert len(left) < 12
    for name in left:  # every file written is whole
        want = apply_kernel(load_image(src / name).pixels, LIBRARY.get("gaussian-7x7").kernel)
        for _ in range(3):
            want = apply_kernel(want, LIBRARY.get("gaussian-7x7").kernel)
        np.testing.assert_array_equal(load_image(out / name).pixels, want)


def test_png_compression_levels_are_lossless_and_change_the_size(tmp_path, run):
    y, x = np.mgrid[0:120, 0:160]
    smooth = np.dstack([x, y, (x + y) // 2]).astype(np.uint8)  # compresses well
    save_image(tmp_path / "smooth.png", smooth)
    sizes = {}
    for level in ("0", "9"):
        result = run(
            "apply",
            "smooth.png",
            "-k",
            "identity",
            "-o",
            f"l{level}.png",
            "--png-compression",
            level,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        np.testing.assert_array_equal(load_image(tmp_path / f"l{level}.png").pixels, smooth)
        sizes[level] = (tmp_path / f"l{level}.png").stat().st_size
    assert sizes["0"] > smooth.nbytes > 10 * sizes["9"]


@pytest.mark.parametrize("value", ["10", "-1", "fast", "4.5"])
def test_png_compression_out_of_range(tmp_path, run, assert_one_line_error, value):
    save_image(tmp_path / "a.png", random_image((4, 4)))
    result = run(
        "apply", "a.png", "-k", "identity", "-o", "b.png", "--png-compression", value, cwd=tmp_path
    )
    assert_one_line_error(result, 2, "--png-compression")
    assert not (tmp_path / "b.png").exists()


# -- the ordered thread pool itself -------------------------------------------------------
def test_in_order_gives_results_in_input_order_whatever_finishes_first():
    import threading

    from workbench.cli.batch import in_order

    finished = []

    def task(i: int) -> int:
        time.sleep(0.02 * (5 - i % 5))  # later inputs finish first
        finished.append(i)
        return i * i

    stop = threading.Event()
    assert list(in_order(task, 10, threads=3, stop=stop)) == [i * i for i in range(10)]
    assert finished != sorted(finished)  # they did run at once, out of order
    assert not stop.is_set()


def test_in_order_raises_in_order_sets_stop_and_waits_for_running_tasks():
    import threading

    from workbench.cli.batch import in_order

    stop = threading.Event()
    running = set()
    started = []

    def task(i: int) -> int:
        started.append(i)
        running.add(i)
        try:
            if i == 2:
                raise OSError("disk on fire")
            time.sleep(0.05)
            return i
        finally:
            running.discard(i)

    seen = []
    with pytest.raises(OSError, match="disk on fire"):
        for value in in_order(task, 50, threads=2, stop=stop):
            seen.append(value)
    assert seen == [0, 1]
    assert stop.is_set()
    assert not running  # nothing is still working once the error is out
    assert len(started) < 50  # tasks not yet started were dropped
