"""Learn from examples: pick before/after pairs, learn a kernel on the worker, inspect, keep.

The main window opens :class:`LearnDialog` from "Learn from examples..." and connects its two
signals: ``open_in_editor(Kernel)`` and ``add_requested(Kernel)``, which the library dock
answers by saving the kernel (it alone writes to the library; :meth:`show_added` reports it).
The fit runs on the window's :class:`~workbench.gui.worker.Runner` (channel ``"learn"``)
with progress and Cancel; while Adam trains, the solver's steps are handed to the GUI thread
through :class:`LiveTraining` and drawn a few times a second. Nothing outside the dialog
changes until the user adds the kernel to the library or opens it in the editor.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.engine import Kernel
from workbench.engine.learn.report import psnr_text
from workbench.engine.library import KernelFileError, slugify
from workbench.gui.learn.options import LearnOptions
from workbench.gui.learn.pairs import PairList, PairProblem, pairs_to_learn
from workbench.gui.learn.result import LearnOutcome, LearnResultView
from workbench.gui.learn.rounding import plan_rounding, rounded_outcome
from workbench.gui.learn.training import LiveTraining, TrainingView, run_learning
from workbench.gui.library.kernel_files import ask_export_path, export_with_notes

__all__ = ["LearnDialog"]

_LIVE_INTERVAL_MS = 200  # live plot refresh: a few times a second is enough to watch
_POOR_FIT = 0.5  # R-squared below this: not a linear filter (an unrelated pair is refused)
_ERROR = "#b00020"


class LearnDialog(QDialog):
    """Learn a kernel from before/after example pairs; see the module docstring."""

    open_in_editor = Signal(object)
    #: The user wants the learned kernel (a Kernel) in the library.
    add_requested = Signal(object)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        image: np.ndarray | None,
        image_name: str,
        runner,
        saved_path: Path | None = None,
        unsaved_edits: int = 0,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("learnDialog")
        self.setWindowTitle("Learn a kernel from examples")
        self._runner = runner
        self._request: int | None = None
        self._live: LiveTraining | None = None
        self.outcome: LearnOutcome | None = None

        self.pairs = PairList(runner)
        if image is not None:
            # With unsaved edits: the file as saved unless the user picks the edited image.
            self.pairs.offer_tab_image(
                image, image_name or "Current image", saved_path=saved_path, edits=unsaved_edits
            )
        self.pairs.problem.connect(lambda message: self._show_status(message, error=True))
        self.pairs.changed.connect(self._on_pairs_changed)

        self.options = LearnOptions()

        self.learn_button = QPushButton("Learn")
        self.learn_button.setObjectName("learnButton")
        self.learn_button.setDefault(True)
        self.learn_button.clicked.connect(self.learn)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelLearning")
        self.cancel_button.setEnabled(False)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.status = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.status.setObjectName("learnStatus")
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        run_row = QHBoxLayout()
        run_row.addWidget(self.learn_button)
        run_row.addWidget(self.cancel_button)
        run_row.addWidget(self.progress_bar, 1)

        pairs_box = QGroupBox("Example pairs: an image, and the same image after the filter")
        QVBoxLayout(pairs_box).addWidget(self.pairs)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(pairs_box, 1)
        left_layout.addWidget(self.options)
        left_layout.addLayout(run_row)
        left_layout.addWidget(self.status)

        self.training = TrainingView()
        self.result_view = LearnResultView()
        self.result_view.open_requested.connect(self._open_in_editor)
        self.result_view.add_requested.connect(self.add_to_library)
        self.result_view.export_requested.connect(self.export)
        self.result_view.round_requested.connect(self.round_kernel)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.result_view, "Result")
        self.tabs.addTab(self.training, "Training")

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([400, 900])
        closer = QDialogButtonBox(QDialogButtonBox.Close)
        closer.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(closer)

        self._rounding: int | None = None  # the Round request on the worker
        self._timer = QTimer(self, interval=_LIVE_INTERVAL_MS)
        self._timer.timeout.connect(self._show_live)
        runner.progress.connect(self._on_progress)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)
        runner.cancelled.connect(self._on_cancelled)
        self._set_running(False)
        self._show_status("Choose the after image, then press Learn." if image is not None else "")
        # Roomy where the screen allows, never taller or wider than the screen (1366 x 768).
        screen = (parent or self).screen().availableGeometry()
        self.resize(min(1280, screen.width() - 40), min(820, screen.height() - 40))

    # -- running ------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._request is not None

    @Slot()
    def learn(self) -> None:
        if self._request is not None:
            return
        if self.pairs.is_loading():
            self._show_status("Still reading an image; press Learn again in a moment.")
            return
        try:
            pairs = pairs_to_learn(self.pairs.pairs())
        except PairProblem as exc:
            self._show_status(str(exc), error=True)
            return
        options = self.options.options()
        self._live = LiveTraining() if options["solver"] == "adam" else None
        self._request = self._runner.submit(
            run_learning, channel="learn", args=(pairs,), kwargs={**options, "live": self._live}
        )
        self._set_running(True)
        size = options["size"]
        what = "a kernel of automatic size" if size == "auto" else f"a {size} \u00d7 {size} kernel"
        count = f"{len(pairs)} pair{'s' if len(pairs) > 1 else ''}"
        self._show_status(f"Learning {what} from {count}\u2026")
        if self._live is not None:
            self.training.start()
            self.tabs.setCurrentIndex(1)
            self._timer.start()

    @Slot()
    def cancel(self) -> None:
        if self._request is not None:
            self._runner.cancel(self._request)

    def _set_running(self, running: bool) -> None:
        self.learn_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress_bar.setValue(0)
        self.progress_bar.setVisible(running)
        self.pairs.setEnabled(not running)
        self.options.setEnabled(not running)
        self.result_view.setEnabled(not running)

    def _end_request(self) -> None:
        self._timer.stop()
        self._show_live()
        self._request = None
        self._live = None
        self._set_running(False)

    @Slot()
    def _show_live(self) -> None:
        if self._live is None:
            return
        self.training.show_steps(*self._live.take())

    @Slot(int, float)
    def _on_progress(self, request_id: int, fraction: float) -> None:
        if request_id == self._request:
            self.progress_bar.setValue(round(1000 * fraction))

    @Slot(int, object)
    def _on_finished(self, request_id: int, outcome: object) -> None:
        if request_id == self._rounding:
            self._on_rounded(outcome)
            return
        if request_id != self._request:
            return
        watched_training = self._live is not None and self.tabs.currentWidget() is self.training
        self._end_request()
        self.outcome = outcome
        result = outcome.result
        report = result.report
        self.result_view.show_outcome(outcome)
        if not watched_training:  # after Adam the user stays where they were watching
            self.tabs.setCurrentWidget(self.result_view)
        self.training.show_result(result)
        if report.r_squared < _POOR_FIT:
            self._show_status(
                f"Poor fit (R\u00b2 {report.r_squared:.2f}): no kernel reproduces this "
                "pair closely, so the other program's filter is not a convolution (curves, "
                "a median, a local edit). The Result tab shows where it differs.",
                error=True,
            )
        else:
            where = " See the Result tab." if watched_training else ""
            self._show_status(
                f"Done in {report.seconds:.1f} s: PSNR {psnr_text(report.psnr)}, "
                f"R\u00b2 {report.r_squared:.5f}. Add the kernel to the library to keep it." + where
            )

    @Slot()
    def _on_pairs_changed(self) -> None:
        """A pair changed: the result shown no longer says what these pairs give."""
        if self.outcome is None or self._request is not None:
            return
        self.result_view.set_stale(True)
        self._show_status(
            "The pairs changed: the result shown was learned from the previous ones. "
            "Press Learn to learn from these."
        )

    @Slot()
    def round_kernel(self) -> None:
        """Round the weights to simple values on the worker, then show what it changed."""
        if self.outcome is None or self._rounding is not None or self._request is not None:
            return
        plan = plan_rounding(self.outcome)
        if plan is None:
            self._show_status(
                "No simple fractions (n/d) lie within 1 % of these weights: kept as learned."
            )
            return
        self._rounding = self._runner.submit(
            rounded_outcome, channel="learn-round", args=(self.outcome, plan)
        )

    def _on_rounded(self, outcome) -> None:
        self._rounding = None
        stale = self.result_view.is_stale()
        self.outcome = outcome
        self.result_view.show_outcome(outcome)
        self.result_view.set_stale(stale)
        self._show_status(outcome.result.report.findings[-1].capitalize() + ".")

    @Slot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        if request_id == self._rounding:
            self._rounding = None
            self._show_status(f"Could not round the kernel: {message}", error=True)
            return
        if request_id != self._request:
            return
        self._end_request()
        self._show_status(f"Could not learn a kernel: {message}", error=True)
        if self.outcome is not None:
            self.tabs.setCurrentIndex(0)

    @Slot(int)
    def _on_cancelled(self, request_id: int) -> None:
        if request_id == self._rounding:
            self._rounding = None
            return
        if request_id != self._request:
            return
        self._end_request()
        self._show_status("Cancelled. Nothing was changed.")
        if self.outcome is not None:
            self.tabs.setCurrentIndex(0)

    def _show_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(
            f"<span style='color:{_ERROR}'>{escape(text)}</span>" if error else escape(text)
        )
        self.status.setProperty("error", error)

    def status_text(self) -> str:
        return self.status.text()

    # -- keeping the result -------------------------------------------------------------
    def _kernel(self):
        return None if self.outcome is None else self.outcome.result.kernel

    @Slot()
    def _open_in_editor(self) -> None:
        kernel = self._kernel()
        if kernel is not None:
            self.open_in_editor.emit(kernel)
            self._show_status(f"Opened {kernel.name or 'the kernel'} in the kernel editor.")

    @Slot()
    def add_to_library(self) -> None:
        kernel = self._kernel()
        if kernel is not None:  # named "Learned 5x5" in category "Learned" by the fit
            self.add_requested.emit(kernel)

    def show_added(self, kernel: Kernel) -> None:
        """Say that ``kernel`` (as saved: its name and category) is in the library now."""
        self._show_status(
            f"Added \u201c{kernel.name}\u201d to the library under "
            f"{kernel.category or 'no category'}."
        )

    @Slot()
    def export(self) -> None:
        kernel = self._kernel()
        if kernel is None:
            return
        path = ask_export_path(
            self, Path(self.pairs.folder()) / f"{slugify(kernel.name or 'kernel')}.json"
        )
        if path is None:
            return
        try:
            notes = export_with_notes(kernel, path, confirm_rounding=self._confirm_rounding)
        except (KernelFileError, OSError) as exc:
            self._show_status(f"Could not export: {exc}", error=True)
            return
        self._show_status(" ".join([f"Exported to {path.name}.", *notes]))

    def _confirm_rounding(self, question: str) -> bool:
        answer = QMessageBox.question(
            self,
            "Round for Photoshop?",
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes

    # -- closing ------------------------------------------------------------------------
    def done(self, result: int) -> None:
        # Closing (Close, Escape, the window button) stops the fit and pending file reads.
        self.cancel()
        if self._rounding is not None:
            self._runner.cancel(self._rounding)
        self.pairs.cancel_loads()
        self._timer.stop()
        super().done(result)
