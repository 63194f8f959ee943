"""Benchmark of the convolution engine against OpenCV, scipy and Pillow.

Run it from a checkout (it is not collected by pytest)::

    python tests/benchmarks/bench_engine.py          # ~2.5 minutes on 2 cores
    python tests/benchmarks/bench_engine.py --all    # also the hopeless strategies, ~5 min
    python tests/benchmarks/bench_engine.py --linear-only   # only linear vs perceptual
    python tests/benchmarks/bench_engine.py --gray-only     # only the 8-bit gray image

It needs the ``bench`` extra (scipy, opencv-python-headless) and Pillow; peers that are not
installed are left out of the table.

On a 4000 x 3000 RGB float32 image it times each kernel with every strategy (except those
the cost model expects to be over 10x the best, unless ``--all``) and ``auto``,
``cv2.filter2D``, ``scipy.ndimage.correlate`` and Pillow's ``ImageFilter.Kernel`` (8-bit
only, 3x3 and 5x5: timed on the uint8 version of the image, beside ``auto`` on that same
uint8 image), all in one run. Methods of one case are timed round-robin, and the median of
the repeats is reported, so a neighbour's load spike hits all of them alike. It also
measures peak extra memory (tracemalloc) as a multiple of the image size and how quickly a
cancelled call stops, and checks the goals of issue 2, printing PASS or FAIL for each.
It also times linear light against the stored values (issue 13) on the uint8 image with a
3x3 kernel, and luminance only beside them, and every strategy on one 8-bit gray plane.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from workbench.engine import Cancelled, apply_kernel
from workbench.engine.strategies import STRATEGY_NAMES, choose_strategy, estimated_costs

try:
    import cv2
except ImportError:  # the bench extra is not installed
    cv2 = None
try:
    from scipy import ndimage
except ImportError:
    ndimage = None
try:
    from PIL import Image, ImageFilter
except ImportError:
    Image = None

HEIGHT, WIDTH = 3000, 4000
#: A method slower than this on its first run is timed once only (marked *).
SLOW_SECONDS = 2.5
#: Runs per round of the methods the goals compare (auto, its pick, cv2; scipy for 3x3).
KEY_RUNS = 3
#: Strategies the cost model expects to be this many times slower than the best are not
#: timed, unless --all is given.
SKIP_FACTOR = 10
#: scipy takes minutes for big dense kernels; it is timed up to this many taps.
SCIPY_MAX_TAPS = 250


def gaussian(size: int, sigma: float) -> np.ndarray:
    x = np.arange(size) - size // 2
    g = np.exp(-0.5 * (x / sigma) ** 2)
    k = np.outer(g, g)
    return k / k.sum()


def make_cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2026)
    motion = np.full((1, 15), 1 / 15)
    return {
        "3x3 dense": rng.uniform(-1, 1, (3, 3)),
        "5x5 dense": rng.uniform(-1, 1, (5, 5)),
        "1x15 motion blur": motion,
        "15x15 Gaussian": gaussian(15, 2.5),
        "31x31 dense": rng.uniform(-1, 1, (31, 31)) / 31,
    }


def time_round_robin(
    methods: dict[str, Callable[[], object]], repeats: int, key: tuple[str, ...]
) -> dict[str, tuple[float, int]]:
    """Median seconds and the number of runs, per method.

    Every round runs each method once, and the ``key`` methods (those the goals compare)
    ``KEY_RUNS`` times, interleaved: with other work on the machine, a load spike then hits
    all of them alike and the medians of the key methods rest on more runs.
    """
    samples: dict[str, list[float]] = {}
    for name, fn in methods.items():  # first run: warm-up, and sorts out the slow ones
        t0 = time.perf_counter()
        fn()
        samples[name] = [time.perf_counter() - t0]
    again = [name for name, s in samples.items() if s[0] < SLOW_SECONDS]
    order = [name for name in again if name not in key]
    order += [name for _ in range(KEY_RUNS) for name in again if name in key]
    for name in again:
        samples[name] = []
    for _ in range(repeats):
        for name in order:
            t0 = time.perf_counter()
            methods[name]()
            samples[name].append(time.perf_counter() - t0)
    return {name: (statistics.median(s), len(s)) for name, s in samples.items()}


def peak_extra_memory(fn: Callable[[], object]) -> int:
    """Peak bytes allocated while ``fn`` runs, the returned result included."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del result
    return peak


def cancel_latency(image: np.ndarray, weights: np.ndarray, strategy: str) -> float:
    """Seconds from setting ``cancel`` during a call until the call raised Cancelled."""
    cancel = threading.Event()
    raised_at: list[float] = []

    def run() -> None:
        try:
            apply_kernel(image, weights, strategy=strategy, cancel=cancel)
        except Cancelled:
            raised_at.append(time.perf_counter())

    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(0.15)  # well inside the work
    set_at = time.perf_counter()
    cancel.set()
    worker.join()
    if not raised_at:
        return float("inf")  # it finished instead of stopping
    return raised_at[0] - set_at


def bench_case(weights, image, image8, pil_image, repeats, everything):
    """Times of every method for one kernel, and the peak extra memory of ``auto``."""
    kh, kw = weights.shape
    w32 = weights.astype(np.float32)
    costs = estimated_costs(weights, image.shape)
    methods: dict[str, Callable[[], object]] = {}
    for strategy in (*STRATEGY_NAMES, "auto"):
        if strategy != "auto" and costs[strategy] > SKIP_FACTOR * min(costs.values()):
            if not everything:
                continue  # minutes of work to confirm what the cost model already says
        methods[strategy] = lambda s=strategy: apply_kernel(image, weights, strategy=s)
    if cv2 is not None:
        methods["cv2"] = lambda: cv2.filter2D(image, -1, w32, borderType=cv2.BORDER_REFLECT)
    if ndimage is not None and kh * kw <= SCIPY_MAX_TAPS:
        w3 = weights[:, :, None]
        methods["scipy"] = lambda: ndimage.correlate(image, w3, mode="reflect")
    if pil_image is not None and (kh, kw) in ((3, 3), (5, 5)):
        flat = [float(v) for v in weights.ravel()]
        pil_kernel = ImageFilter.Kernel((kw, kh), flat, scale=1)
        methods["Pillow u8"] = lambda: pil_image.filter(pil_kernel)
        methods["auto u8"] = lambda: apply_kernel(image8, weights)
    key = ("auto", choose_strategy(weights, image.shape), "cv2")
    if (kh, kw) == (3, 3):
        key += ("scipy",)  # only the 3x3 goal compares with scipy
    times = time_round_robin(methods, repeats, key)
    memory = peak_extra_memory(lambda: apply_kernel(image, weights))
    return times, memory


def bench_linear(image8: np.ndarray, repeats: int) -> list[tuple[str, bool, str]]:
    """Perceptual, linear light and luminance only on 12 MP RGB uint8, two 3x3 kernels.

    The random dense kernel is the worst case (every tap, the fused sum of the direct
    strategy: the filter is cheapest there, so decoding and encoding weigh most); the
    1-2-1 Gaussian is the blur of the issue's GIMP example (separable: two 1-D passes).
    """
    goals = []
    cases = {"3x3 dense": make_cases()["3x3 dense"], "3x3 Gaussian": gaussian(3, 0.85)}
    for name, weights in cases.items():
        methods = {
            "perceptual": lambda w=weights: apply_kernel(image8, w),
            "linear": lambda w=weights: apply_kernel(image8, w, space="linear"),
            "luminance": lambda w=weights: apply_kernel(image8, w, luminance=True),
        }
        times = time_round_robin(methods, repeats, ("perceptual", "linear"))
        ratio = times["linear"][0] / times["perceptual"][0]
        print(
            f"linear light, 12 MP RGB uint8, {name} (ms, median): "
            + ", ".join(f"{method} {fmt_ms(t)}" for method, t in times.items())
            + f"; linear / perceptual {ratio:.2f}x"
        )
        goal = f"linear light <= 1.5x perceptual (12 MP RGB uint8, {name})"
        goals.append((goal, ratio <= 1.5, f"{ratio:.2f}x"))
    return goals


def bench_gray(gray8: np.ndarray, repeats: int) -> None:
    """Every strategy, ``auto``, cv2 and scipy on one 12 MP uint8 plane (ImageJ's 8-bit).

    A single plane is the case where a shift of one pixel is one float, which numpy's
    einsum sums 15x slower unless the taps are taken a column at a time
    (``direct.sum_of_taps``). No goal: printed to keep the gray case in view.
    """
    cases = {
        "3x3 dense": make_cases()["3x3 dense"],
        "9x9 dense": np.random.default_rng(9).uniform(-1, 1, (9, 9)) / 9,
        "15x15 Gaussian": make_cases()["15x15 Gaussian"],
    }
    for name, weights in cases.items():
        w32 = weights.astype(np.float32)
        methods: dict[str, Callable[[], object]] = {
            s: lambda s=s, w=weights: apply_kernel(gray8, w, strategy=s) for s in STRATEGY_NAMES
        }
        methods["auto"] = lambda w=weights: apply_kernel(gray8, w)
        if cv2 is not None:
            methods["cv2"] = lambda w=w32: cv2.filter2D(gray8, -1, w, borderType=cv2.BORDER_REFLECT)
        if ndimage is not None:
            methods["scipy"] = lambda w=weights: ndimage.correlate(gray8, w, mode="reflect")
        times = time_round_robin(methods, repeats, ("auto",))
        print(
            f"gray, 12 MP uint8, {name} (ms, median): "
            + ", ".join(f"{method} {fmt_ms(t)}" for method, t in times.items())
            + f"; auto picks {choose_strategy(weights, (*gray8.shape, 1))}"
        )


def fmt_ms(entry: tuple[float, int] | None) -> str:
    if entry is None:
        return "-"
    seconds, runs = entry
    return f"{seconds * 1000:,.0f}{'*' if runs == 1 else ''}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per method (5)")
    parser.add_argument(
        "--all",
        action="store_true",
        help=f"also time strategies expected to be over {SKIP_FACTOR}x slower (minutes)",
    )
    parser.add_argument(
        "--linear-only", action="store_true", help="only time linear light against perceptual"
    )
    parser.add_argument("--gray-only", action="store_true", help="only time the gray image")
    args = parser.parse_args()

    threads = os.cpu_count() or 1
    if cv2 is not None:
        cv2.setNumThreads(threads)
    print("# Filter Workbench engine benchmark")
    print(
        f"image {WIDTH}x{HEIGHT} RGB float32 ({HEIGHT * WIDTH * 3 * 4 / 1e6:.0f} MB); "
        f"{threads} cores; load average at start {os.getloadavg()[0]:.2f}"
    )
    print(f"python {platform.python_version()}, numpy {np.__version__}", end="")
    if cv2 is not None:
        print(f", OpenCV {cv2.__version__} with cv2.setNumThreads({threads})", end="")
    if ndimage is not None:
        import scipy

        print(f", scipy {scipy.__version__} (single-threaded)", end="")
    if Image is not None:
        import PIL

        print(f", Pillow {PIL.__version__}", end="")
    print()
    blas_env = {
        k: os.environ.get(k, "not set")
        for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    }
    print("BLAS environment: " + ", ".join(f"{k}={v}" for k, v in blas_env.items()))
    print(
        f"times in ms, median of {args.repeats} rounds round-robin ({args.repeats * KEY_RUNS} "
        f"runs for auto, its pick, cv2, and scipy on 3x3); * = slower than "
        f"{SLOW_SECONDS:g} s, timed once; border 'reflect' everywhere (cv2.BORDER_REFLECT)"
    )
    print()

    rng = np.random.default_rng(1)
    image = rng.random((HEIGHT, WIDTH, 3), dtype=np.float32)
    image8 = (image * 255).round().astype(np.uint8)
    pil_image = Image.fromarray(image8) if Image is not None else None
    image_bytes = image.nbytes

    rows = []
    goals: list[tuple[str, bool, str]] = []
    if args.gray_only:
        bench_gray(np.ascontiguousarray(image8[:, :, 0]), args.repeats)
        return 0
    goals += bench_linear(image8, args.repeats)
    print()
    if not args.linear_only:
        bench_gray(np.ascontiguousarray(image8[:, :, 0]), args.repeats)
        print()
    for name, weights in make_cases().items() if not args.linear_only else ():
        times, memory = bench_case(weights, image, image8, pil_image, args.repeats, args.all)
        picked = choose_strategy(weights, image.shape)
        memory /= image_bytes
        best = min((s for s in STRATEGY_NAMES if s in times), key=lambda s: times[s][0])
        rows.append((name, times, picked, best, memory))

        auto = times["auto"][0]
        goals.append(
            (
                f"{name}: auto within 1.3x of the fastest strategy ({best})",
                auto <= 1.3 * times[best][0],
                f"{auto / times[best][0]:.2f}x",
            )
        )
        if cv2 is not None:
            ratio = auto / times["cv2"][0]
            limit = {"3x3 dense": 3.0, "15x15 Gaussian": 0.7, "31x31 dense": 2.5}.get(name)
            if limit is not None:
                goals.append((f"{name}: <= {limit}x cv2.filter2D", ratio <= limit, f"{ratio:.2f}x"))
        if name == "3x3 dense" and "scipy" in times:
            ratio = auto / times["scipy"][0]
            goals.append(
                (f"{name}: <= 0.35x scipy.ndimage.correlate", ratio <= 0.35, f"{ratio:.2f}x")
            )
        if name == "31x31 dense":
            goals.append(
                (f"{name}: peak extra memory <= 3x the image", memory <= 3.0, f"{memory:.2f}x")
            )

    if args.linear_only:
        return _verdict(goals)
    columns = [*STRATEGY_NAMES, "auto", "cv2", "scipy", "Pillow u8", "auto u8"]
    header = ["kernel", *columns, "auto picks", "auto/cv2", "auto/scipy", "auto/best", "peak mem"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
    for name, times, picked, best, memory in rows:
        cells = [name, *(fmt_ms(times.get(c)) for c in columns), picked]
        auto = times["auto"][0]
        for other in ("cv2", "scipy"):
            cells.append(f"{auto / times[other][0]:.2f}x" if other in times else "-")
        cells.append(f"{auto / times[best][0]:.2f}x")
        cells.append(f"{memory:.2f}x")
        print("| " + " | ".join(cells) + " |")
    print()
    print(
        "Pillow u8 / auto u8: Pillow's ImageFilter.Kernel exists for 3x3 and 5x5 on 8-bit "
        "images only, so both run on the uint8 version of the image."
    )
    print(f"- : not timed (the cost model expects over {SKIP_FACTOR}x the best; --all times it).")
    print(
        "peak mem: tracemalloc peak during apply_kernel(auto), result included, "
        "as a multiple of the input image's size."
    )
    print()

    small = rng.random((HEIGHT, WIDTH, 3), dtype=np.float32)  # 12 megapixels
    dense31 = make_cases()["31x31 dense"]
    latencies = {
        s: max(cancel_latency(small, dense31, s) for _ in range(3))
        for s in (*STRATEGY_NAMES, "auto")
    }
    print(
        "cancel on 12 MP RGB, 31x31 kernel, worst of 3 (s from cancel.set() to Cancelled): "
        + ", ".join(f"{s} {t:.3f}" for s, t in latencies.items())
    )
    worst = max(latencies.values())
    goals.append(
        ("cancel stops within 0.2 s (12 MP, 31x31, every strategy)", worst <= 0.2, f"{worst:.3f} s")
    )
    return _verdict(goals)


def _verdict(goals: list[tuple[str, bool, str]]) -> int:
    print()
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    failed = 0
    for label, ok, value in goals:
        print(f"{'PASS' if ok else 'FAIL'}  {label}: {value}")
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
