"""The background runner: results, progress, errors, cancel, supersede, shutdown."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from workbench.engine import Cancelled, Kernel, apply_kernel
from workbench.gui.worker import Runner


@pytest.fixture
def runner(qtbot):
    r = Runner()
    yield r
    assert r.shutdown(3000)


def _wait_for_cancel(progress, cancel, started: threading.Event):
    started.set()
    while not cancel.wait(0.005):
        pass
    raise Cancelled("stopped")


def test_result_and_progress_arrive_with_the_request_id(qtbot, runner):
    def work(progress, cancel, x):
        progress(0.5)
        return x * 2

    seen = []
    runner.progress.connect(lambda rid, f: seen.append((rid, f)))
    with qtbot.waitSignal(runner.finished, timeout=60_000) as blocker:
        rid = runner.submit(work, args=(21,))
    assert blocker.args == [rid, 42]
    assert (rid, 0.5) in seen
    assert not runner.is_busy()


def test_engine_call_runs_in_the_worker_and_matches_a_direct_call(qtbot, runner):
    image = np.random.default_rng(1).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    kernel = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16)

    def work(progress, cancel):
        return apply_kernel(image, kernel, progress=progress, cancel=cancel)

    with qtbot.waitSignal(runner.finished, timeout=60_000) as blocker:
        runner.submit(work)
    np.testing.assert_array_equal(blocker.args[1], apply_kernel(image, kernel))


def test_a_new_request_supersedes_the_old_one_on_its_channel(qtbot, runner):
    started = threading.Event()
    finished, cancelled = [], []
    runner.finished.connect(lambda rid, value: finished.append((rid, value)))
    runner.cancelled.connect(cancelled.append)
    first = runner.submit(_wait_for_cancel, channel="preview", args=(started,))
    assert started.wait(3)
    other = runner.submit(lambda p, c: "other", channel="thumbnails")
    second = runner.submit(lambda p, c: "new", channel="preview")
    assert cancelled == [first]  # at once, before its thread noticed
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=60_000)
    assert sorted(finished) == sorted([(other, "other"), (second, "new")])
    qtbot.waitUntil(lambda: runner.running_count() == 0, timeout=60_000)
    assert cancelled == [first]  # exactly one ending per request


def test_cancel_stops_a_long_function_and_its_result_is_dropped(qtbot, runner):
    started = threading.Event()
    finished = []
    runner.finished.connect(lambda *a: finished.append(a))
    rid = runner.submit(_wait_for_cancel, args=(started,))
    assert started.wait(3)
    with qtbot.waitSignal(runner.cancelled, timeout=60_000) as blocker:
        runner.cancel(rid)
    assert blocker.args == [rid]
    qtbot.waitUntil(lambda: runner.running_count() == 0, timeout=60_000)
    assert finished == []


def test_a_user_error_arrives_as_its_message(qtbot, runner):
    def work(progress, cancel):
        raise ValueError("photo.png: not an image file")

    with qtbot.waitSignal(runner.failed, timeout=60_000) as blocker:
        rid = runner.submit(work)
    assert blocker.args == [rid, "photo.png: not an image file"]


def test_a_bug_arrives_with_its_type(qtbot, runner):
    def work(progress, cancel):
        raise KeyError("oops")

    with qtbot.waitSignal(runner.failed, timeout=60_000) as blocker:
        runner.submit(work)
    assert blocker.args[1].startswith("KeyError")


def test_shutdown_cancels_running_work_and_refuses_more(qtbot):
    runner = Runner()
    started = threading.Event()
    runner.submit(_wait_for_cancel, args=(started,))
    assert started.wait(3)
    assert runner.shutdown(3000)
    assert runner.running_count() == 0
    with pytest.raises(RuntimeError):
        runner.submit(lambda p, c: None)


def test_shutdown_forgets_tasks_that_never_started(qtbot):
    # One thread, busy until cancelled: the second task is still queued when shutdown
    # clears the queue, so it never runs and must not be counted as running for ever.
    runner = Runner(max_threads=1)
    began = threading.Event()

    def busy(progress, cancel):
        began.set()
        cancel.wait()
        raise Cancelled("stopped")

    runner.submit(busy, channel="a")
    runner.submit(lambda progress, cancel: None, channel="b")
    assert began.wait(60)
    assert runner.shutdown(60_000)
    assert runner.running_count() == 0
