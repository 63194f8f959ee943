"""fit_kernel with the Adam solver: convergence, robust losses, live callback, cancel."""

import threading

import numpy as np
import pytest
from photos import photo_like

from workbench.engine import Cancelled, Kernel, LearnError, apply_kernel, fit_kernel


def random_kernel(size, seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((size, size)) * 0.1
    w[size // 2, size // 2] += 1.0 - w.sum()
    return w


def test_adam_converges_on_a_small_pair():
    weights = random_kernel(5, 1)
    before = photo_like(64, 64, 3, seed=1)
    after = apply_kernel(before, Kernel(weights, offset=5.0))

    result = fit_kernel([(before, after)], 5, solver="adam", steps=600)

    assert np.max(np.abs(result.kernel.weights - weights)) < 1e-3
    assert result.kernel.offset == pytest.approx(5.0, abs=0.05)
    history = result.report.loss_history
    assert len(history) == 600
    assert history[-1] < 1e-4 * history[0]
    assert result.report.solver == "adam"


def test_adam_agrees_with_exact_on_an_8bit_pair():
    weights = random_kernel(3, 2)
    before = np.round(photo_like(80, 80, seed=2) * 255).astype(np.uint8)
    after = apply_kernel(before, weights)
    exact = fit_kernel([(before, after)], 3).kernel.weights
    adam = fit_kernel([(before, after)], 3, solver="adam", steps=800).kernel.weights
    assert np.max(np.abs(adam - exact)) < 2e-3
    assert np.max(np.abs(adam - weights)) < 5e-3


def test_huber_and_l1_shrug_off_an_overlay_that_misleads_least_squares():
    weights = random_kernel(3, 3)
    before = photo_like(96, 96, seed=3)
    after = apply_kernel(before, weights)
    rng = np.random.default_rng(3)
    spots = rng.random(after.shape) < 0.03  # a sprinkling of retouched pixels
    after = np.where(spots, after + 0.4, after).astype(np.float32)

    l2 = fit_kernel([(before, after)], 3).kernel.weights
    huber = fit_kernel([(before, after)], 3, solver="adam", loss="huber", steps=800)
    l1 = fit_kernel([(before, after)], 3, solver="adam", loss="l1", steps=800)

    l2_error = np.max(np.abs(l2 - weights))
    assert np.max(np.abs(huber.kernel.weights - weights)) < l2_error / 3
    assert np.max(np.abs(l1.kernel.weights - weights)) < l2_error / 3
    assert "huber loss" in huber.report.summary()


def test_modes_with_adam():
    truth = np.zeros((3, 3, 3, 3))
    truth[0, 0, 1, 1] = 1.0
    truth[1, 1] = np.full((3, 3), 1 / 9)
    truth[2, 2, 1, 2] = 1.0
    before = photo_like(64, 64, 3, seed=4)
    after = apply_kernel(before, Kernel(truth))

    per = fit_kernel([(before, after)], 3, mode="per-channel", solver="adam", steps=600)
    assert np.max(np.abs(per.kernel.weights - truth)) < 2e-3

    mix = fit_kernel([(before, after)], 3, mode="color", solver="adam", steps=600)
    assert mix.kernel.weights.shape == (3, 3, 3, 3)
    assert np.max(np.abs(apply_kernel(before, mix.kernel) - after)[4:-4, 4:-4]) < 2e-3


def test_on_step_is_throttled_and_gets_the_kernel_layout():
    before = photo_like(48, 48, 3, seed=5)
    after = apply_kernel(before, random_kernel(3, 5))
    calls = []
    fit_kernel(
        [(before, after)],
        3,
        solver="adam",
        steps=300,
        on_step=lambda step, loss, w: calls.append((step, loss, w.shape)),
    )
    assert calls, "on_step was never called"
    assert calls[-1][0] == 300  # the last step is always reported
    assert all(shape == (3, 3) for _, _, shape in calls)
    assert len(calls) < 300  # at most ~20 a second, not every step

    calls.clear()
    fit_kernel(
        [(before, after)],
        3,
        mode="color",
        solver="adam",
        steps=50,
        on_step=lambda step, loss, w: calls.append(w.shape),
    )
    assert calls[-1] == (3, 3, 3, 3)


def test_auto_size_with_adam():
    before = photo_like(96, 96, seed=6)
    weights = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256
    result = fit_kernel([(before, apply_kernel(before, weights))], "auto", solver="adam", steps=400)
    assert result.report.size == 5
    assert np.max(np.abs(result.kernel.weights - weights)) < 2e-3


def test_cancel_stops_adam():
    before = photo_like(48, 48, seed=7)
    after = apply_kernel(before, random_kernel(3, 7))
    stop = threading.Event()

    def on_step(step, loss, weights):
        stop.set()

    with pytest.raises(Cancelled):
        fit_kernel([(before, after)], 3, solver="adam", steps=100_000, on_step=on_step, cancel=stop)


def test_adam_options_are_checked():
    before = photo_like(32, 32, seed=8)
    with pytest.raises(LearnError, match="unknown option"):
        fit_kernel([(before, before)], 3, solver="adam", step=10)
