"""Benchmark of large images and clusters (issue 17): streamed TIFFs, folders on Dask.

Run it from a checkout (it is not collected by pytest); it needs the ``cluster`` extra,
and ``dask-image`` and ImageMagick's ``mogrify`` for the peers (left out when missing)::

    python tests/benchmarks/bench_large.py                     # everything, ~15 min on 2 cores
    python tests/benchmarks/bench_large.py --size 20000x15000  # a smaller big TIFF
    python tests/benchmarks/bench_large.py --only photos --photos 50

Three parts, each printing a table:

``tiff``
    A W x H RGB 8-bit TIFF (default 40000 x 30000, 3.6 GB of pixels; zlib, tiled) is made
    in the work folder, then ``workbench apply BIG.tif -k gaussian-5x5 -o OUT.tif`` runs
    under ``/usr/bin/time -v`` (peak RSS, wall time), beside the same command on a 12 MP
    TIFF of the same kind, which is read whole. Goal: peak RSS <= 1 GB, throughput (pixels
    per second) >= 0.8 x the 12 MP one's. The big files are deleted at the end.
``photos``
    N photos of 3 MP (JPEG, quality 95) through a plain ``workbench apply DIR``, through
    ``--scheduler local:2``, and through ImageMagick ``mogrify -convolve`` with the same
    kernel: files per second, in one run.
``dask``
    ``apply_kernel_dask`` against ``dask_image.ndfilters.correlate`` on the same chunked
    4000 x 3000 RGB float32 array (threads scheduler), medians of the repeats.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import tifffile

from workbench.engine.imageio import save_image
from workbench.engine.tiff_stream import is_streamed

KERNEL = "gaussian-5x5"
GAUSS = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0
TILE = 512


def workbench_command() -> list[str]:
    found = shutil.which("workbench", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "workbench.cli"]


def pattern(y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    """A photo-like RGB patch: smooth gradients plus noise (compresses as photos do)."""
    rng = np.random.default_rng(y0 * 7919 + x0)
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    base = 128 + 60 * np.sin(yy / 310.0) * np.cos(xx / 270.0)
    rgb = np.stack([base, base * 0.8 + 30, 255 - base], axis=-1)
    rgb += rng.normal(0, 6, rgb.shape).astype(np.float32)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def write_big_tiff(path: Path, width: int, height: int) -> None:
    def tiles():
        for y in range(0, height, TILE):
            for x in range(0, width, TILE):
                yield pattern(y, min(y + TILE, height), x, min(x + TILE, width))

    tifffile.imwrite(
        path,
        tiles(),
        shape=(height, width, 3),
        dtype=np.uint8,
        tile=(TILE, TILE),
        photometric="rgb",
        compression="zlib",
        bigtiff=True,
        metadata=None,
        maxworkers=os.cpu_count(),
    )


def timed_run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (GB) of a command, from /usr/bin/time -v."""
    result = subprocess.run(
        ["/usr/bin/time", "-v", *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{result.stderr}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", result.stderr)
    seconds = 0.0
    for part in wall.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    return seconds, rss / 1024 / 1024


def bench_tiff(folder: Path, width: int, height: int, keep: bool) -> None:
    big, small = folder / "big.tif", folder / "small.tif"
    start = time.perf_counter()
    with_size = big.exists() and tifffile.TiffFile(big).pages[0].shape[:2] == (height, width)
    if not with_size:  # --keep kept it from the last run
        print(f"making a {width} x {height} RGB TIFF ...", flush=True)
        write_big_tiff(big, width, height)
    made = time.perf_counter() - start
    size = big.stat().st_size / 1e9
    print(f"  {size:.2f} GB on disk in {made:.0f} s", flush=True)
    write_big_tiff(small, 4000, 3000)
    command = workbench_command()
    rows = []
    how = "streamed" if is_streamed(big) else "read whole (below the streaming size)"
    for name, path, pixels in (
        ("12 MP, read whole", small, 4000 * 3000),
        (f"{width * height / 1e6:,.0f} MP, {how}", big, width * height),
    ):
        out = folder / f"out-{path.name}"
        seconds, rss = timed_run([*command, "apply", str(path), "-k", KERNEL, "-o", str(out)])
        rows.append((name, seconds, pixels / seconds / 1e6, rss))
        out.unlink()
    print("\n| image | time | throughput | peak RSS |\n|---|---:|---:|---:|")
    for name, seconds, rate, rss in rows:
        print(f"| {name} | {seconds:.1f} s | {rate:.1f} MP/s | {rss:.2f} GB |")
    ratio = rows[1][2] / rows[0][2]
    print(
        f"\nstreamed/in-memory throughput {ratio:.2f}x (goal >= 0.8x): "
        f"{'PASS' if ratio >= 0.8 else 'FAIL'}; peak RSS {rows[1][3]:.2f} GB (goal <= 1 GB): "
        f"{'PASS' if rows[1][3] <= 1.0 else 'FAIL'}"
    )
    if not keep:
        big.unlink()
    small.unlink()


def bench_photos(folder: Path, count: int, rounds: int) -> None:
    photos = folder / "photos"
    photos.mkdir()
    print(f"making {count} photos of 3 MP ...", flush=True)
    for i in range(count):
        save_image(photos / f"photo{i:04d}.jpg", pattern(i * 1500, i * 1500 + 1500, 0, 2000))
    command = workbench_command()
    plain = [*command, "apply", str(photos), "-k", KERNEL]
    runs = {
        "workbench apply (plain batch)": plain,
        "workbench apply --scheduler local:2": [*plain, "--scheduler", "local:2"],
    }
    if shutil.which("mogrify"):
        weights = ",".join(f"{w:.8f}" for w in GAUSS.ravel())
        runs["ImageMagick mogrify -convolve"] = [
            "mogrify", "-quality", "95", "-convolve", weights, "-path",
        ]  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):  # round-robin: a neighbour's load spike hits all alike
        for i, (name, args) in enumerate(runs.items()):
            out = folder / f"out{i}"
            out.mkdir()
            if name.startswith("ImageMagick"):
                args = [*args, str(out), *sorted(str(p) for p in photos.iterdir())]
            else:
                args = [*args, "-o", str(out), "--quality", "95"]
            start = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
            assert len(list(out.iterdir())) == count
            shutil.rmtree(out)
    print(f"\n| method ({count} photos, median of {rounds}) | time | files/s |\n|---|---:|---:|")
    for name, values in times.items():
        seconds = statistics.median(values)
        print(f"| {name} | {seconds:.1f} s | {count / seconds:.1f} |", flush=True)
    shutil.rmtree(photos)


def bench_dask(repeats: int) -> None:
    import dask
    import dask.array as da

    from workbench.engine import Kernel, apply_kernel, apply_kernel_dask

    try:
        from dask_image.ndfilters import correlate
        from scipy import ndimage
    except ImportError:
        correlate = None
    image = np.random.default_rng(0).random((3000, 4000, 3), dtype=np.float32)
    x = da.from_array(image, chunks=(500, 4000, 3))
    kernel = Kernel(GAUSS)
    methods = {
        "apply_kernel (numpy, whole image)": lambda: apply_kernel(image, kernel),
        "apply_kernel_dask": lambda: apply_kernel_dask(x, kernel).compute(),
    }
    if correlate is not None:
        methods["scipy.ndimage.correlate (numpy, whole image)"] = lambda: ndimage.correlate(
            image, GAUSS[:, :, None], mode="reflect"
        )
        methods["dask_image.ndfilters.correlate"] = lambda: correlate(
            x, GAUSS[:, :, None], mode="reflect"
        ).compute()
    times: dict[str, list[float]] = {name: [] for name in methods}
    with dask.config.set(scheduler="threads", num_workers=os.cpu_count()):
        ours = methods["apply_kernel_dask"]()
        assert np.array_equal(ours, apply_kernel(image, kernel))
        for _ in range(repeats):  # round-robin: a neighbour's load spike hits all alike
            for name, method in methods.items():
                start = time.perf_counter()
                method()
                times[name].append(time.perf_counter() - start)
    print("\n| 4000x3000 RGB float32, 5x5 Gaussian, chunks of 500 rows | median |\n|---|---:|")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"| {name} | {value * 1000:.0f} ms |")
    if correlate is not None:
        whole = (
            medians["scipy.ndimage.correlate (numpy, whole image)"]
            / medians["apply_kernel (numpy, whole image)"]
        )
        chunked = medians["dask_image.ndfilters.correlate"] / medians["apply_kernel_dask"]
        print(f"\nengine vs scipy {whole:.1f}x; apply_kernel_dask vs dask_image {chunked:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="40000x30000", help="big TIFF size WxH")
    parser.add_argument("--photos", type=int, default=200, help="number of 3 MP photos")
    parser.add_argument(
        "--repeats", type=int, default=3, help="repeats of the dask and photo parts"
    )
    parser.add_argument("--only", choices=("tiff", "photos", "dask"), help="run one part")
    parser.add_argument("--folder", help="work folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the big TIFF for a rerun")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    folder = Path(args.folder or tempfile.mkdtemp(prefix="bench-large-"))
    free = shutil.disk_usage(folder).free / 1e9
    print(f"work folder {folder} ({free:.0f} GB free), {os.cpu_count()} cores", flush=True)
    try:
        if args.only in (None, "dask"):
            bench_dask(args.repeats)
        if args.only in (None, "photos"):
            bench_photos(folder, args.photos, args.repeats)
        if args.only in (None, "tiff"):
            needed = width * height * 3 * 2.5 / 1e9  # input, output, some margin
            if needed > free:
                raise SystemExit(f"the big TIFF needs about {needed:.0f} GB free: use --size")
            bench_tiff(folder, width, height, args.keep)
    finally:
        if not args.folder:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
