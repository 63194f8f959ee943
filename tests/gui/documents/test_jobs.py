"""ImageJobs reports its progress by signal; it knows nothing of the window's status bar."""

from __future__ import annotations

import numpy as np

from workbench.gui.documents.jobs import ImageJobs
from workbench.gui.worker import Runner

WAIT = 5000


def test_an_open_reports_progress_then_idle_then_the_image(qtbot, image_path, small_rgb):
    runner = Runner()
    jobs = ImageJobs(runner)
    events = []
    jobs.progress.connect(lambda task, fraction: events.append(("progress", task, fraction)))
    jobs.idle.connect(lambda: events.append(("idle",)))
    jobs.opened.connect(lambda path, image_file, *_: events.append(("opened", path)))
    try:
        with qtbot.waitSignal(jobs.opened, timeout=WAIT) as opened:
            jobs.open(image_path)
        np.testing.assert_array_equal(opened.args[1].pixels, small_rgb)
        # Busy bar while the file is read (no fraction known), hidden before the tab exists.
        assert events[0] == ("progress", "Opening small.png", None)
        assert events[-2:] == [("idle",), ("opened", image_path)]
        assert not jobs.is_busy()
    finally:
        runner.shutdown(3000)
