"""How fast the kernel views follow the mouse and the grid, with a 63 x 63 kernel.

Measures, on a 12-megapixel RGB image in the real main window:

1. one inspector update as the cursor moves: the hover signal, the dot product, the three
   heat maps set and the inspector repainted (goal: median < 16 ms, one frame);
2. ``inspect_pixel`` alone;
3. one frequency-view update after a grid edit: ``frequency_response`` on a 129 x 129 grid,
   the map, the cuts and the repaint (goal: median < 16 ms).

Run: ``QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_kernel_views.py``
Prints one line per measurement (wall time, and the GUI thread's CPU time, which a busy
machine does not inflate) and PASS/FAIL per goal on the wall time; exit status 1 if a goal
fails.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtWidgets import QApplication

from workbench.engine import Kernel
from workbench.engine.inspect import inspect_pixel
from workbench.engine.library import KernelLibrary
from workbench.gui.app import create_application, make_settings
from workbench.gui.model.document import ImageDocument
from workbench.gui.window.main_window import MainWindow

GOAL_MS = 16.0


def _median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def main() -> int:
    app = create_application([]) if QApplication.instance() is None else QApplication.instance()
    tmp = Path(tempfile.mkdtemp())
    window = MainWindow(make_settings(tmp / "s.ini"), library=KernelLibrary(user_dir=tmp / "k"))
    window.resize(1400, 900)
    window.show()
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (3000, 4000, 3), dtype=np.uint8)
    tab = window.add_document(ImageDocument(image))
    window.editor.preview_box.setChecked(False)  # measure the views, not the preview
    kernel = Kernel(rng.normal(size=(63, 63)), name="Random 63x63")
    window.editor.set_kernel(kernel)
    views = window.editor.views
    inspector = views.inspector
    views.setCurrentIndex(0)
    app.processEvents()

    hover, alone, hover_cpu = [], [], []
    for i in range(60):
        x, y = 1000 + 7 * i, 800 + 5 * i
        start, cpu = time.perf_counter(), time.thread_time()
        tab.pixelHovered.emit(x, y)
        inspector.repaint()  # and its children: the heat maps
        hover.append(time.perf_counter() - start)
        hover_cpu.append(time.thread_time() - cpu)
        start = time.perf_counter()
        inspect_pixel(image, kernel, x, y, channel=1)
        alone.append(time.perf_counter() - start)
    assert inspector.position() == (1000 + 7 * 59, 800 + 5 * 59)

    views.setCurrentIndex(1)
    app.processEvents()
    freq = views.frequency
    grid, grid_cpu = [], []
    for i in range(30):
        edited = kernel.replace(weights=kernel.weights + i * 1e-3)
        start, cpu = time.perf_counter(), time.thread_time()
        freq.set_kernel(edited)
        freq.repaint()  # and its children: the map and the plot
        grid.append(time.perf_counter() - start)
        grid_cpu.append(time.thread_time() - cpu)

    failed = False
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for label, samples, goal in (
        ("inspector update on hover (63x63, repaint included)", hover, GOAL_MS),
        ("  its CPU time on the GUI thread", hover_cpu, None),
        ("inspect_pixel alone (63x63)", alone, None),
        ("frequency view update on edit (63x63, 129x129 grid, repaint)", grid, GOAL_MS),
        ("  its CPU time on the GUI thread", grid_cpu, None),
    ):
        median, worst = _median_ms(samples), 1000 * max(samples)
        verdict = ""
        if goal is not None:
            ok = median < goal
            failed |= not ok
            verdict = f"  {'PASS' if ok else 'FAIL'} (goal median < {goal:g} ms)"
        print(f"{label}: median {median:.2f} ms, worst {worst:.2f} ms{verdict}")
    window.close()
    window.runner.shutdown(3000)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
