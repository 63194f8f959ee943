"""Helpers for the learn dialog tests (imported as ``learn_steps``): example pairs made in
code, learning and waiting, and a gate that holds Adam at its first step."""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import Qt

from workbench.engine import Kernel, apply_kernel
from workbench.engine.library import KernelLibrary
from workbench.gui.learn import training as learn_training

WAIT = 60_000  # ms; generous: two cores are shared by several test runs

SHARPEN = Kernel([[0, -0.5, 0], [-0.5, 3, -0.5], [0, -0.5, 0]], name="sharpen")


def textured(h: int, w: int, seed: int = 0) -> np.ndarray:
    """An 8-bit RGB image with detail at every scale and no clipping after a mild sharpen."""
    rng = np.random.default_rng(seed)
    noise = rng.uniform(0, 1, (h, w, 3)).astype(np.float32)
    blurred = apply_kernel(noise, Kernel(np.ones((3, 3)), divisor=9.0))
    return np.rint(60 + 135 * blurred).astype(np.uint8)


def user_keys(library: KernelLibrary) -> list[str]:
    return [e.key for e in library.entries if not e.builtin]


def learn_and_wait(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert dialog.is_running(), dialog.status_text()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=WAIT)


def interior(a: np.ndarray, margin: int = 4) -> np.ndarray:
    return a[margin:-margin, margin:-margin].astype(np.float64)


def is_error(dialog) -> bool:
    return bool(dialog.status.property("error"))


class Gate:
    """Holds the solver at its first reported step until the test lets it go."""

    def __init__(self, monkeypatch) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        original = learn_training.LiveTraining.on_step

        def on_step(live, step, loss, weights):
            original(live, step, loss, weights)
            if not self.reached.is_set():
                self.reached.set()
                self.release.wait(30)

        monkeypatch.setattr(learn_training.LiveTraining, "on_step", on_step)
