"""ConvLayer and im2col against plain loops, scipy and finite differences; Adam on its own."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from workbench.engine import ConvLayer
from workbench.engine.learn.layer import Adam, im2col


def loop_correlate(x, weight, bias):
    """Valid correlation with plain loops: the independent reference."""
    n, _, h, w = x.shape
    o, _, k, _ = weight.shape
    out = np.zeros((n, o, h - k + 1, w - k + 1))
    for b in range(n):
        for j in range(o):
            for y in range(h - k + 1):
                for xx in range(w - k + 1):
                    out[b, j, y, xx] = np.sum(x[b, :, y : y + k, xx : xx + k] * weight[j]) + bias[j]
    return out


def random_layer(k, c_in, c_out, rng):
    """A layer with random weights and bias, so every tap and output is exercised."""
    layer = ConvLayer(k, c_in, c_out)
    layer.weight[...] = rng.standard_normal(layer.weight.shape)
    layer.bias[...] = rng.standard_normal(c_out)
    return layer


def test_im2col_rows_are_windows():
    x = np.arange(2 * 3 * 5 * 6, dtype=float).reshape(2, 3, 5, 6)
    cols = im2col(x, 3)
    assert cols.shape == (2 * 3 * 4, 3 * 9)
    # Row for image 1, top-left corner (2, 1): channel-major, row-major taps.
    row = cols[1 * 12 + 2 * 4 + 1]
    assert np.array_equal(row, x[1, :, 2:5, 1:4].ravel())


@settings(max_examples=25, deadline=None)
@given(
    k=st.sampled_from([1, 3, 5]),
    c_in=st.integers(1, 3),
    c_out=st.integers(1, 3),
    seed=st.integers(0, 10_000),
)
def test_forward_matches_a_plain_loop(k, c_in, c_out, seed):
    rng = np.random.default_rng(seed)
    layer = random_layer(k, c_in, c_out, rng)
    x = rng.standard_normal((2, c_in, k + 4, k + 3))
    assert np.allclose(layer.forward(x), loop_correlate(x, layer.weight, layer.bias))


def test_forward_is_correlation_like_scipy_and_unbatched_input():
    rng = np.random.default_rng(1)
    layer = ConvLayer(5)
    layer.weight[0, 0] = rng.standard_normal((5, 5))  # asymmetric: orientation matters
    x = rng.standard_normal((1, 20, 17))
    expected = ndimage.correlate(x[0], layer.weight[0, 0], mode="constant")[2:-2, 2:-2]
    assert np.allclose(layer.forward(x)[0, 0], expected)


@settings(max_examples=15, deadline=None)
@given(
    k=st.sampled_from([1, 3]),
    c_in=st.integers(1, 2),
    c_out=st.integers(1, 2),
    seed=st.integers(0, 10_000),
)
def test_backward_matches_finite_differences(k, c_in, c_out, seed):
    rng = np.random.default_rng(seed)
    layer = random_layer(k, c_in, c_out, rng)
    x = rng.standard_normal((2, c_in, k + 3, k + 2))
    target = rng.standard_normal(layer.forward(x).shape)

    def loss():
        return 0.5 * np.sum((layer.forward(x) - target) ** 2)

    out = layer.forward(x)
    grad_w, grad_b = layer.backward(out - target)
    eps = 1e-6
    for param, grad in ((layer.weight, grad_w), (layer.bias, grad_b)):
        numeric = np.zeros_like(param)
        for i in np.ndindex(param.shape):
            keep = param[i]
            param[i] = keep + eps
            up = loss()
            param[i] = keep - eps
            down = loss()
            param[i] = keep
            numeric[i] = (up - down) / (2 * eps)
        assert np.allclose(grad, numeric, rtol=1e-5, atol=1e-6)


def test_parameters_and_no_bias():
    layer = ConvLayer(3, 2, 4)
    assert layer.weight.shape == (4, 2, 3, 3) and layer.weight.dtype == np.float64
    assert layer.bias.shape == (4,)
    assert [p.shape for p in layer.parameters] == [(4, 2, 3, 3), (4,)]
    plain = ConvLayer(3, bias=False)
    assert plain.bias is None and len(plain.parameters) == 1
    plain.forward(np.ones((1, 1, 4, 4)))
    assert plain.backward(np.ones((1, 1, 2, 2)))[1] is None


@pytest.mark.parametrize("size", [0, 2, -1, 2.5, "3", None, True])
def test_bad_sizes(size):
    with pytest.raises(ValueError, match="size must be an odd whole number"):
        ConvLayer(size)


@pytest.mark.parametrize(("args", "name"), [((3, 0), "in_channels"), ((3, 1, "2"), "out_channels")])
def test_bad_channel_counts_name_the_argument(args, name):
    with pytest.raises(ValueError, match=f"{name} must be a whole number >= 1"):
        ConvLayer(*args)


def test_errors_on_wrong_shapes():
    layer = ConvLayer(3, 2)
    with pytest.raises(ValueError, match="2 channel"):
        layer.forward(np.zeros((1, 3, 8, 8)))
    with pytest.raises(RuntimeError, match="forward"):
        ConvLayer(3).backward(np.zeros((1, 1, 2, 2)))
    layer.forward(np.zeros((1, 2, 8, 8)))
    with pytest.raises(ValueError, match="grad_out"):
        layer.backward(np.zeros((1, 1, 5, 5)))
    with pytest.raises(ValueError, match="smaller"):
        im2col(np.zeros((1, 1, 2, 2)), 3)


def test_training_the_layer_with_adam_recovers_a_kernel():
    rng = np.random.default_rng(3)
    truth = ConvLayer(3)
    truth.weight[...] = rng.standard_normal((1, 1, 3, 3))
    truth.bias[...] = 0.5
    x = rng.standard_normal((4, 1, 24, 24))
    y = truth.forward(x)
    layer = ConvLayer(3)
    opt = Adam(layer.parameters, lr=0.05)
    for step in range(1200):
        out = layer.forward(x)
        grads = layer.backward((out - y) / out.size)
        opt.step(list(grads), lr=0.05 * 0.995**step)
    assert np.max(np.abs(layer.weight - truth.weight)) < 1e-3
    assert abs(layer.bias[0] - 0.5) < 1e-3
