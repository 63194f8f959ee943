"""``workbench apply`` on a Dask cluster, with --skip-existing, and streamed TIFFs.

The cluster is real: ``distributed.LocalCluster`` worker processes (no mocks). Results are
compared byte for byte with a plain run's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile

from workbench.cli import main
from workbench.engine import apply_kernel
from workbench.engine.imageio import load_image, save_image
from workbench.engine.library import KernelLibrary

LIBRARY = KernelLibrary(user_dir=Path("/nonexistent-user-dir"))
RNG = np.random.default_rng(1717)


def random_image(shape: tuple[int, ...], dtype: type = np.uint8) -> np.ndarray:
    return RNG.integers(0, np.iinfo(dtype).max + 1, shape).astype(dtype)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Eight small images of several kinds in ``tmp_path / "in"``."""
    images = tmp_path / "in"
    images.mkdir()
    for i in range(3):
        save_image(images / f"photo{i}.png", random_image((30, 40, 3)))
        save_image(images / f"gray{i}.jpg", random_image((24, 20)))
    save_image(images / "deep.tif", random_image((20, 18, 4), np.uint16))
    save_image(images / "float.tif", random_image((16, 16, 3)).astype(np.float32) / 255)
    return tmp_path


def plain_results(run, folder: Path) -> dict[str, bytes]:
    result = run("apply", "in", "-k", "sharpen", "-o", "plain", cwd=folder)
    assert result.returncode == 0, result.stderr
    return {p.name: p.read_bytes() for p in (folder / "plain").iterdir()}


def results(folder: Path, name: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (folder / name).iterdir()}


def test_a_folder_on_a_running_scheduler_matches_a_plain_run(dask_cluster, folder, run):
    address = dask_cluster.scheduler_address
    result = run("apply", "in", "-k", "sharpen", "-o", "out", "--scheduler", address, cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert results(folder, "out") == plain_results(run, folder)


def test_local_workers_started_for_the_run(folder, run):
    result = run("apply", "in", "-k", "sharpen", "-o", "out", "--scheduler", "local:2", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert results(folder, "out") == plain_results(run, folder)


def test_a_bad_file_on_the_cluster_is_one_line_and_the_rest_is_done(dask_cluster, folder, run):
    (folder / "in" / "broken.png").write_bytes(b"not an image at all")
    address = dask_cluster.scheduler_address
    result = run("apply", "in", "-k", "sharpen", "-o", "out", "--scheduler", address, cwd=folder)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["workbench: broken.png: not an image file Workbench can read"]
    assert len(results(folder, "out")) == 8


class ExitOnFirstTask:
    """Worker plugin: the first worker to start a file's task dies on the spot (os._exit).

    Only one worker ever dies: the marker file is created exclusively.
    """

    name = "exit-on-first-task"

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def transition(self, key, start, finish, **kwargs) -> None:
        if finish != "executing" or "workbench-apply" not in str(key):
            return
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        os._exit(1)


@pytest.fixture(scope="module")
def doomed_cluster():
    """A cluster of its own (a worker of it is killed), with a nanny to restart it."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=":0",
        host="127.0.0.1",
        silence_logs=50,  # logging.CRITICAL: the killed worker is expected
    )
    try:
        yield cluster
    finally:
        cluster.close()


def test_a_worker_killed_mid_run_has_its_file_redone(doomed_cluster, folder, run):
    import cloudpickle
    from distributed import Client
    from distributed.diagnostics.plugin import WorkerPlugin

    # The plugin travels by value: the workers need not import this test module.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    marker = folder / "a-worker-died"
    plugin = type("Plugin", (ExitOnFirstTask, WorkerPlugin), {})(str(marker))
    with Client(doomed_cluster) as client:
        client.register_plugin(plugin)
        address = doomed_cluster.scheduler_address
        result = run(
            "apply", "in", "-k", "sharpen", "-o", "out", "--scheduler", address, cwd=folder
        )
        client.unregister_worker_plugin(ExitOnFirstTask.name)
    assert marker.exists(), "no worker was killed: the test tested nothing"
    assert result.returncode == 0, result.stderr
    out = results(folder, "out")
    assert out == plain_results(run, folder)  # every file complete, nothing else left
    assert not any(name.endswith(".part") for name in os.listdir(folder / "out"))


def test_skip_existing_leaves_done_files_alone(folder, run):
    first = run("apply", "in", "-k", "sharpen", "-o", "out", cwd=folder)
    assert first.returncode == 0, first.stderr
    done = folder / "out" / "photo0.png"
    done.write_bytes(b"kept as it is")
    (folder / "out" / "gray1.jpg").unlink()
    again = run("apply", "in", "-k", "sharpen", "-o", "out", "--skip-existing", cwd=folder)
    assert again.returncode == 0, again.stderr
    assert done.read_bytes() == b"kept as it is"
    redone = load_image(folder / "out" / "gray1.jpg").pixels
    assert redone.shape == (24, 20)
    # Without the option, everything is done again.
    run("apply", "in", "-k", "sharpen", "-o", "out", cwd=folder)
    assert done.read_bytes() != b"kept as it is"


def test_without_dask_scheduler_says_how_to_install_it(folder, run, assert_one_line_error):
    hidden = folder / "no-dask"
    hidden.mkdir()
    for name in ("dask", "distributed"):
        (hidden / f"{name}.py").write_text(f"raise ImportError('No module named {name}')\n")
    path = os.pathsep.join([str(hidden), os.environ.get("PYTHONPATH", "")])
    result = run(
        "apply", "in", "-k", "sharpen", "-o", "out", "--scheduler", "local:2",
        cwd=folder, env={"PYTHONPATH": path},
    )  # fmt: skip
    assert_one_line_error(result, 2, "pip install 'filter-workbench[cluster]'")
    assert not (folder / "out").exists()


def test_a_plain_apply_never_imports_dask(folder):
    code = (
        "import sys\n"
        "from workbench.cli import main\n"
        "status = main(['apply', 'in', '-k', 'sharpen', '-o', 'out'])\n"
        "print(status, sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed')))\n"
    )
    env = {**os.environ, "WORKBENCH_KERNELS": str(folder / "user-kernels")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip() == "0 []", result.stderr
    assert len(os.listdir(folder / "out")) == 8


def test_a_bad_scheduler_address_is_one_line(folder, run, assert_one_line_error):
    result = run("apply", "in", "-k", "sharpen", "-o", "out", "--scheduler", "here", cwd=folder)
    assert_one_line_error(result, 2, "is not a scheduler")


# -- streamed TIFFs through the command (in this process, so the size limit can be lowered)
@pytest.fixture
def streamed(monkeypatch, tmp_path: Path) -> Path:
    from workbench.engine import tiff_stream

    monkeypatch.setattr(tiff_stream, "STREAM_BYTES", 1000)
    monkeypatch.setattr(tiff_stream, "BAND_PIXELS", 200)  # bands of a few rows
    monkeypatch.setenv("WORKBENCH_KERNELS", str(tmp_path / "user-kernels"))
    monkeypatch.chdir(tmp_path)
    tifffile.imwrite("big.tif", random_image((90, 30, 3)), photometric="rgb", rowsperstrip=7)
    return tmp_path


def test_a_tiff_too_large_to_read_whole_is_streamed(streamed):
    status = main(["apply", "big.tif", "-k", "gaussian-5x5", "-o", "out.tif", "--repeat", "2"])
    assert status == 0
    with tifffile.TiffFile(streamed / "out.tif") as tif:
        assert tif.is_bigtiff and tif.pages[0].is_tiled  # the streamed writer made it
        got = tif.pages[0].asarray()
    want = load_image(streamed / "big.tif").pixels
    for _ in range(2):
        want = apply_kernel(want, LIBRARY.get("gaussian-5x5").kernel)
    assert np.array_equal(got, want)


def test_a_streamed_tiff_must_go_to_a_tiff(streamed, capsys):
    assert main(["apply", "big.tif", "-k", "gaussian-5x5", "-o", "out.png"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "use a .tif output" in lines[0]
    assert not (streamed / "out.png").exists()


def test_a_tiff_too_large_to_read_whole_is_chunked_over_the_cluster(streamed, dask_cluster):
    address = dask_cluster.scheduler_address
    args = ["apply", "big.tif", "-k", "gaussian-5x5", "-o", "out.tif", "--scheduler", address]
    assert main(args) == 0
    with tifffile.TiffFile(streamed / "out.tif") as tif:
        assert tif.is_bigtiff and tif.pages[0].is_tiled
        got = tif.pages[0].asarray()
    want = apply_kernel(load_image(streamed / "big.tif").pixels, LIBRARY.get("gaussian-5x5").kernel)
    assert np.array_equal(got, want)
