"""Running a fit on the worker, and watching Adam train: the loss curve and the kernel live.

:func:`run_learning` is the plain function the learn dialog hands to the runner.
:class:`LiveTraining` carries the solver's steps from the worker thread to the GUI thread,
and :class:`TrainingView` draws them.
"""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from workbench.engine import FitResult, apply_kernel, fit_kernel
from workbench.gui.learn.plots import KernelHeatMap, LossCurve
from workbench.gui.learn.result import LearnOutcome

__all__ = ["LiveTraining", "TrainingView", "run_learning"]


class LiveTraining:
    """Hands the solver's steps from the worker thread to the GUI thread.

    The worker's ``on_step`` only appends under a lock; a GUI timer takes what arrived a few
    times a second. No signal is sent per step, so a fast solver cannot flood the event loop,
    and the weights are copied, so the solver may keep changing its own array.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._points: list[tuple[int, float]] = []
        self._weights: np.ndarray | None = None

    def on_step(self, step: int, loss: float, weights: np.ndarray) -> None:
        copy = np.array(weights, dtype=np.float64, copy=True)
        with self._lock:
            self._points.append((int(step), float(loss)))
            self._weights = copy

    def take(self) -> tuple[list[tuple[int, float]], np.ndarray | None]:
        """The steps since the last call and the newest weights (None if no new step)."""
        with self._lock:
            points, self._points = self._points, []
            weights, self._weights = self._weights, None
        return points, weights


def run_learning(
    progress,
    cancel,
    pairs: list[tuple[np.ndarray, np.ndarray]],
    *,
    size: int | str,
    mode: str,
    solver: str,
    loss: str,
    space: str = "auto",
    live: LiveTraining | None = None,
) -> LearnOutcome:
    """Fit a kernel and reproduce the first pair's after image with it (runs on the worker)."""
    result = fit_kernel(
        pairs,
        size,
        mode=mode,
        solver=solver,
        loss=loss,
        space=space,
        progress=lambda f: progress(0.9 * f),
        cancel=cancel,
        on_step=live.on_step if live is not None else None,
    )
    before, after = pairs[0]
    reproduced = apply_kernel(
        before, result.kernel, progress=lambda f: progress(0.9 + 0.1 * f), cancel=cancel
    )
    return LearnOutcome(result, before, after, reproduced)


class TrainingView(QWidget):
    """The loss against the step (log scale) beside the kernel as it is now."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("learnTraining")
        self.loss_curve = LossCurve()
        self.kernel = KernelHeatMap()
        self.kernel.setObjectName("liveKernel")
        self.step_label = QLabel("Choose the Adam solver to watch the kernel train.")
        plots = QHBoxLayout()
        plots.addWidget(self.loss_curve, 3)
        plots.addWidget(self.kernel, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(plots, 1)
        layout.addWidget(self.step_label)

    def start(self) -> None:
        self.loss_curve.clear()
        self.kernel.set_weights(None)
        self.step_label.setText("Starting\u2026")

    def show_steps(self, points: list[tuple[int, float]], weights: np.ndarray | None) -> None:
        for step, loss in points:
            self.loss_curve.append(step, loss)
        if weights is not None:
            self.kernel.set_weights(weights)
        if points:
            step, loss = points[-1]
            self.step_label.setText(f"Step {step}: loss {loss:.4g}")

    def show_result(self, result: FitResult) -> None:
        history = result.report.loss_history
        if not history:
            return
        self.loss_curve.set_history(history)
        self.kernel.set_weights(result.kernel.weights)
        self.step_label.setText(f"Finished after {len(history)} steps: loss {history[-1]:.4g}")
