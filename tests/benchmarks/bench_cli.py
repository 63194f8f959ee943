"""Whole-task benchmark: ``workbench apply`` as a user runs it, against the tools they might use.

Every measurement is a whole process (start-up, decode, filter, encode, exit), the same
Gaussian 5x5 kernel with reflected edges for every tool, timed round-robin (run 1 of every
tool on every task, then run 2, ...) so that a neighbour's load spike hits all tools alike;
the table gives medians. Peak memory is the child's peak resident set (``getrusage``).

Run from a checkout (it is not collected by pytest)::

    python tests/benchmarks/bench_cli.py                        # 6000x4000, 200 batch files
    python tests/benchmarks/bench_cli.py --size 3000x2000 --batch 60 --runs 3
    python tests/benchmarks/bench_cli.py --levels-table          # size and time per PNG level

Tasks: an RGB JPEG in and PNG out (at ``--levels``: by default ours, 4, and OpenCV's
default, 1, each tool at that zlib level); a 16-bit RGB PNG in and out; a 16-bit RGB TIFF
(LZW) in and PNG out; a folder of 3-megapixel JPEGs in and JPEGs (quality 95) out; and the
start-up of ``workbench --help``, ``workbench kernels list`` and of the app to its first
painted window (offscreen). Peers: pyvips and OpenCV (the ``bench`` extra) and ImageMagick
(``convert``, ``mogrify``); a peer that is not installed is left out with a message.
``workbench (before)`` is the same command from another checkout (``--baseline DIR``, for
instance ``git archive`` of the commit before a change), to compare with "today".
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE.parent / "engine")]  # this checkout's workbench
from photos import photo_like  # noqa: E402

#: gaussian-5x5 of the built-in library: the kernel every tool applies.
WEIGHTS = [[1, 4, 6, 4, 1], [4, 16, 24, 16, 4], [6, 24, 36, 24, 6], [4, 16, 24, 16, 4],
           [1, 4, 6, 4, 1]]  # fmt: skip
DIVISOR = 256

CV2_SCRIPT = f"""
import sys, cv2, numpy as np
src, dst, level = sys.argv[1], sys.argv[2], int(sys.argv[3])
k = np.array({WEIGHTS}, np.float32) / {DIVISOR}
img = cv2.imread(src, cv2.IMREAD_UNCHANGED)
out = cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT)
png = [cv2.IMWRITE_PNG_COMPRESSION, level]
assert cv2.imwrite(dst, out, png if dst.endswith(".png") else [cv2.IMWRITE_JPEG_QUALITY, 95])
"""

CV2_BATCH_SCRIPT = f"""
import sys, os, cv2, numpy as np
src, dst = sys.argv[1], sys.argv[2]
k = np.array({WEIGHTS}, np.float32) / {DIVISOR}
def one(name):
    img = cv2.imread(os.path.join(src, name), cv2.IMREAD_UNCHANGED)
    out = cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT)
    assert cv2.imwrite(os.path.join(dst, name), out, [cv2.IMWRITE_JPEG_QUALITY, 95])
os.makedirs(dst, exist_ok=True)
for name in sorted(os.listdir(src)):
    one(name)
"""

VIPS_SCRIPT = f"""
import sys, pyvips
src, dst, level = sys.argv[1], sys.argv[2], int(sys.argv[3])
mask = pyvips.Image.new_from_array({WEIGHTS}, scale={DIVISOR})
img = pyvips.Image.new_from_file(src, access="sequential")
out = img.conv(mask, precision="integer").cast(img.format)
if dst.endswith(".png"):
    out.pngsave(dst, compression=level, filter="all")  # adaptive filters, as the others
else:
    out.jpegsave(dst, Q=95)
"""

VIPS_BATCH_SCRIPT = f"""
import sys, os, pyvips
src, dst = sys.argv[1], sys.argv[2]
mask = pyvips.Image.new_from_array({WEIGHTS}, scale={DIVISOR})
os.makedirs(dst, exist_ok=True)
for name in sorted(os.listdir(src)):
    img = pyvips.Image.new_from_file(os.path.join(src, name), access="sequential")
    img.conv(mask, precision="integer").cast(img.format).jpegsave(os.path.join(dst, name), Q=95)
"""

PAINT_SCRIPT = """
import os
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QMainWindow
from workbench.gui import app as workbench_app

class FirstPaint(QObject):
    seen = False
    def eventFilter(self, obj, event):
        if not self.seen and event.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow):
            self.seen = True
            QTimer.singleShot(0, lambda: (print("painted", flush=True), os._exit(0)))
        return False

app = workbench_app.create_application()
app.installEventFilter(watcher := FirstPaint())
workbench_app.main([])
"""

MAGICK_KERNEL = "5x5:" + ",".join(str(v) for row in WEIGHTS for v in row)


TIME = shutil.which("time", path="/usr/bin:/bin")

#: Where the children run (set to the scratch folder by ``main``; see ``environment``).
SCRATCH: Path | None = None


def run_process(argv: list[str], env: dict[str, str], until_line: str | None = None):
    """Wall seconds and peak RSS (MB) of one process; None if it failed.

    The peak comes from GNU time (``%M``) when it is there: a child forked from this
    (large) process would count its parent's pages as its own.
    """
    wrapped = [TIME, "-f", "@@peak %M", *argv] if TIME else argv
    start = time.perf_counter()
    proc = subprocess.Popen(
        wrapped, env=env, cwd=SCRATCH, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    if until_line is not None:
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.decode().strip() == until_line:
                break
    _, err_bytes = proc.communicate()
    wall = time.perf_counter() - start
    err = err_bytes.decode()
    peak = float("nan")
    for line in err.splitlines():
        if line.startswith("@@peak "):
            peak = int(line.split()[1]) / 1024
    if proc.returncode != 0:
        print(f"  failed ({proc.returncode}): {' '.join(argv[:6])} ...: {err.strip()[:300]}")
        return None
    return wall, peak


def make_inputs(folder: Path, width: int, height: int, batch: int, batch_size) -> dict:
    """Photo-like test files: an 8-bit JPEG, a 16-bit PNG and TIFF, a folder of JPEGs."""
    import tifffile

    from workbench.engine.imageio import save_image

    def photo(h: int, w: int, seed: int) -> np.ndarray:
        # Texture at every scale, upsampled as a camera's optics blur it, plus sensor noise.
        small = photo_like(max(h // 4, 8), max(w // 4, 8), 3, seed=seed)
        planes = [
            np.asarray(Image.fromarray(small[..., c], "F").resize((w, h), Image.BICUBIC))
            for c in range(3)
        ]
        img = np.stack(planes, axis=-1)
        img += np.random.default_rng(seed).normal(0, 1.5 / 255, img.shape).astype(np.float32)
        return np.clip(img, 0, 1)

    img = photo(height, width, 1)
    files = {"jpeg": folder / "photo.jpg", "png16": folder / "photo16.png"}
    files["tiff16"] = folder / "photo16.tif"
    Image.fromarray(np.round(img * 255).astype(np.uint8)).save(files["jpeg"], quality=92)
    deep = np.round(img * 65535).astype(np.uint16)
    save_image(files["png16"], deep, png_compression=6)
    tifffile.imwrite(files["tiff16"], deep, photometric="rgb", compression="lzw")
    del img, deep
    batch_dir = folder / "batch"
    batch_dir.mkdir()
    bw, bh = batch_size
    bases = [np.round(photo(bh, bw, 10 + i) * 255).astype(np.uint8) for i in range(4)]
    for i in range(batch):
        Image.fromarray(bases[i % len(bases)]).save(batch_dir / f"p{i:03}.jpg", quality=92)
    files["batch"] = batch_dir
    return files


def environment(pythonpath: Path, cache: Path) -> dict[str, str]:
    """The environment of one checkout's ``workbench``: its code, its byte-code cache.

    Children run in the scratch folder (``run_process``): ``python -c`` puts the current
    folder first on ``sys.path``, so run from a checkout they would all import its code.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # Byte-code cached as an installed package has it (the first run fills the cache).
    env["PYTHONPATH"] = str(pythonpath)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["WORKBENCH_KERNELS"] = str(cache / "no-user-kernels")
    return env


def commands(files: dict, out: Path, levels: list[int], tools: dict) -> dict:
    """task -> tool -> argv; each tool writes under ``out``."""
    wb = [sys.executable, "-c", "import sys; from workbench.cli import main; sys.exit(main())"]
    tasks: dict[str, dict[str, list[str]]] = {}

    def add(task: str, tool: str, argv: list[str] | None) -> None:
        if argv is not None:
            tasks.setdefault(task, {})[tool] = argv

    for level in levels:
        task = f"JPEG in, PNG out (level {level})"
        argv = [*wb, "apply", str(files["jpeg"]), "-k", "gaussian-5x5"]
        add(task, "workbench", [*argv, "-o", str(out / f"w{level}.png"),
                                "--png-compression", str(level)])  # fmt: skip
        if "workbench (before)" in tools:  # it has one level: Pillow's default, 6
            add(task, "workbench (before)", [*argv, "-o", str(out / f"before{level}.png")])
        add(task, "pyvips", tools.get("pyvips") and [
            sys.executable, "-c", VIPS_SCRIPT, str(files["jpeg"]), str(out / f"v{level}.png"),
            str(level)])  # fmt: skip
        add(task, "OpenCV", tools.get("OpenCV") and [
            sys.executable, "-c", CV2_SCRIPT, str(files["jpeg"]), str(out / f"c{level}.png"),
            str(level)])  # fmt: skip
        add(task, "ImageMagick", tools.get("ImageMagick") and [
            "convert", str(files["jpeg"]), "-virtual-pixel", "mirror", "-define",
            "convolve:scale=!", "-morphology", "Convolve", MAGICK_KERNEL, "-define",
            f"png:compression-level={level}", "-define", "png:compression-filter=5",
            str(out / f"m{level}.png")])  # fmt: skip
    default = levels[0]
    for task, key in (("16-bit PNG in, 16-bit PNG out", "png16"),
                      ("16-bit TIFF in, 16-bit PNG out", "tiff16")):  # fmt: skip
        src = str(files[key])
        for name in ("workbench", "workbench (before)"):
            if name in tools:
                tag = "before" if "before" in name else "w"
                argv = [
                    *wb,
                    "apply",
                    src,
                    "-k",
                    "gaussian-5x5",
                    "-o",
                    str(out / f"{tag}-{key}.png"),
                ]
                add(task, name, argv)
        add(
            task,
            "pyvips",
            tools.get("pyvips")
            and [sys.executable, "-c", VIPS_SCRIPT, src, str(out / f"v-{key}.png"), str(default)],
        )
        add(
            task,
            "OpenCV",
            tools.get("OpenCV")
            and [sys.executable, "-c", CV2_SCRIPT, src, str(out / f"c-{key}.png"), str(default)],
        )
        add(task, "ImageMagick", tools.get("ImageMagick") and [
            "convert", src, "-virtual-pixel", "mirror", "-define", "convolve:scale=!",
            "-morphology", "Convolve", MAGICK_KERNEL, "-define",
            f"png:compression-level={default}", "-define", "png:compression-filter=5",
            str(out / f"m-{key}.png")])  # fmt: skip
    batch = files["batch"]
    task = f"batch of {len(list(batch.iterdir()))} JPEGs"
    for name in ("workbench", "workbench (before)"):
        if name in tools:
            tag = "before" if "before" in name else "w"
            add(task, name, [*wb, "apply", str(batch), "-k", "gaussian-5x5", "-o",
                             str(out / f"{tag}-batch")])  # fmt: skip
    if "workbench" in tools:
        add(task, "workbench, 1 thread", [*wb, "apply", str(batch), "-k", "gaussian-5x5", "-o",
                                          str(out / "wb1-batch")])  # fmt: skip
    add(
        task,
        "pyvips",
        tools.get("pyvips")
        and [sys.executable, "-c", VIPS_BATCH_SCRIPT, str(batch), str(out / "v-batch")],
    )
    add(
        task,
        "OpenCV",
        tools.get("OpenCV")
        and [sys.executable, "-c", CV2_BATCH_SCRIPT, str(batch), str(out / "c-batch")],
    )
    if tools.get("mogrify"):
        names = sorted(str(p) for p in batch.iterdir())
        add(task, "ImageMagick", ["mogrify", "-path", str(out / "m-batch"), "-virtual-pixel",
                                  "mirror", "-define", "convolve:scale=!", "-morphology",
                                  "Convolve", MAGICK_KERNEL, "-quality", "95", *names])  # fmt: skip
    for name in ("workbench", "workbench (before)"):
        if name in tools:
            add("start: workbench --help", name, [*wb, "--help"])
            add("start: workbench kernels list", name, [*wb, "kernels", "list"])
            add("start: app to painted window", name, [sys.executable, "-c", PAINT_SCRIPT])
    return tasks


def levels_table(files: dict) -> None:
    """Size and time of each PNG level on the filtered photo and on a screenshot."""
    from workbench.engine import apply_kernel
    from workbench.engine.imageio import load_image, save_image
    from workbench.engine.library import KernelLibrary

    kernel = KernelLibrary().resolve("gaussian-5x5")
    photo = apply_kernel(load_image(files["jpeg"]).pixels, kernel)
    shot = np.asarray(Image.open(ROOT / "docs" / "screenshot-main.png").convert("RGB"))
    with tempfile.TemporaryDirectory() as tmp:
        for name, img in (("filtered photo", photo), ("screenshot", shot)):
            for level in range(10):
                path = Path(tmp) / "l.png"
                start = time.perf_counter()
                save_image(path, img, png_compression=level)
                took = time.perf_counter() - start
                share = path.stat().st_size / img.nbytes
                print(f"{name:15s} level {level}: {took:6.2f} s  {share:6.1%} of the raw size")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="6000x4000", help="WxH of the big image")
    parser.add_argument("--batch", type=int, default=200, help="files in the batch")
    parser.add_argument("--batch-size", default="2048x1536", help="WxH of each batch file")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool and task")
    parser.add_argument("--levels", default="4,1", help="PNG levels of the JPEG-in task")
    parser.add_argument("--baseline", default="", help="a checkout of the code before")
    parser.add_argument("--only", default="", help="run only tasks whose name has this")
    parser.add_argument("--levels-table", action="store_true", help="print the PNG levels")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    batch_size = tuple(int(v) for v in args.batch_size.lower().split("x"))
    levels = [int(v) for v in args.levels.split(",")]

    tools: dict[str, object] = {"workbench": True}
    baseline = Path(args.baseline) if args.baseline else None
    if baseline and (baseline / "workbench").is_dir() and baseline.resolve() != ROOT:
        tools["workbench (before)"] = True
    for name, module in (("pyvips", "pyvips"), ("OpenCV", "cv2")):
        try:
            __import__(module)
            tools[name] = True
        except Exception as exc:  # pyvips raises OSError when libvips is missing
            print(f"{name}: not installed ({type(exc).__name__}: {exc}); left out")
    for name, program in (("ImageMagick", "convert"), ("mogrify", "mogrify")):
        if shutil.which(program):
            tools[name] = True
        else:
            print(f"{program}: not installed; ImageMagick left out")

    global SCRATCH
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        folder = SCRATCH = Path(tmp)
        print(f"making inputs ({width}x{height}, {args.batch} batch files)...", flush=True)
        files = make_inputs(folder, width, height, args.batch, batch_size)
        if args.levels_table:
            levels_table(files)
            return 0
        out = folder / "out"
        out.mkdir()
        cache = folder / "pycache"
        envs = {"workbench": environment(ROOT, cache)}
        if "workbench (before)" in tools:
            envs["workbench (before)"] = environment(baseline, cache / "main")  # type: ignore[arg-type]
        tasks = commands(files, out, levels, tools)
        if args.only:
            tasks = {t: v for t, v in tasks.items() if args.only in t}
        for name in envs:  # fill the byte-code caches
            run_process([sys.executable, "-c", "import workbench.cli", "--help"], envs[name])
            run_process([sys.executable, "-c", PAINT_SCRIPT], envs[name], "painted")
        results: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for r in range(args.runs):
            for task, by_tool in tasks.items():
                for tool, argv in by_tool.items():
                    env = dict(envs.get(tool.split(",")[0], envs["workbench"]))
                    if tool == "workbench, 1 thread":
                        env["WORKBENCH_THREADS"] = "1"
                    for target in out.glob("*-batch"):
                        shutil.rmtree(target)
                    (out / "m-batch").mkdir()  # mogrify writes only into a folder that exists
                    until = "painted" if "painted" in task else None
                    got = run_process(argv, env, until)
                    if got is not None:
                        results.setdefault((task, tool), []).append(got)
                    print(f"run {r + 1}  {task:36s} {tool:22s} "
                          f"{got[0] if got else float('nan'):7.2f} s", flush=True)  # fmt: skip
        report(tasks, results, width * height * 3, args)
        print()
        print("Output sizes (a share of the raw RGB size):")
        for path in sorted(out.glob("*.png")):
            raw = width * height * 3 * (2 if "16" in path.name else 1)
            print(f"  {path.name:16s} {path.stat().st_size / raw:6.1%}")
    return 0


def report(tasks: dict, results: dict, image_bytes: int, args) -> None:
    print()
    print(
        f"Medians of {args.runs} interleaved runs, {args.size} RGB (batch files "
        f"{args.batch_size}); ratio = workbench time / the tool's time; peak = peak RSS."
    )
    print()
    print("| task | tool | time | workbench / tool | peak RSS | per |")
    print("|---|---|---:|---:|---:|---:|")
    for task, by_tool in tasks.items():
        ours = results.get((task, "workbench"))
        ours_time = statistics.median(t for t, _ in ours) if ours else None
        for tool in by_tool:
            runs = results.get((task, tool))
            if not runs:
                print(f"| {task} | {tool} | failed | | | |")
                continue
            took = statistics.median(t for t, _ in runs)
            peak = max(m for _, m in runs)
            ratio = f"{ours_time / took:.2f}x" if ours_time and tool != "workbench" else ""
            per = ""
            if task.startswith("batch"):
                per = f"{args.batch / took:.1f} files/s"
            elif not task.startswith("start"):
                deep = 2 if task.startswith("16-bit") else 1
                per = f"{peak * 2**20 / (image_bytes * deep):.2f}x image"
            print(f"| {task} | {tool} | {took:.2f} s | {ratio} | {peak:.0f} MB | {per} |")


if __name__ == "__main__":
    sys.exit(main())
