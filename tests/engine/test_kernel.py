"""The Kernel value object: validation messages, immutability and derived kernels."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from workbench.engine import Kernel, KernelError
from workbench.engine.kernel import MAX_KERNEL_SIZE


@pytest.mark.parametrize(
    ("weights", "options", "message"),
    [
        ([], {}, "empty"),
        ([[]], {}, "empty"),
        ([[1, 2, 3], [4, 5]], {}, "ragged"),
        (np.ones((3, 4)), {}, "width 4 is even"),
        (np.ones((2, 3)), {}, "height 2 is even"),
        (np.ones((65, 3)), {}, f"height 65 is too large: the largest is {MAX_KERNEL_SIZE}"),
        (np.ones((1, 101)), {}, "width 101 is too large"),
        ([[1, float("nan"), 1]], {}, "NaN or infinity"),
        ([[1, float("inf"), 1]], {}, "NaN or infinity"),
        ([[1e300]], {}, "too large"),
        ([1, 2, 3], {}, "2-D grid"),
        ("1 2 3", {}, "not text"),
        ([["a", "b", "c"]], {}, "numbers"),
        ([[1]], {"divisor": 0}, "divisor is 0"),
        ([[1]], {"divisor": float("nan")}, "divisor is NaN"),
        ([[1]], {"divisor": "x"}, "divisor must be a number"),
        ([[1]], {"offset": float("inf")}, "offset is NaN"),
        ([[1]], {"offset": (1, 2)}, "needs a colour kernel"),
        (np.ones((3, 3, 1, 1)), {"offset": (1, 2)}, "2 offsets given for a colour kernel with 3"),
        ([[1]], {"border": "edge"}, "unknown border mode 'edge'"),
    ],
)
def test_bad_kernels_are_refused_with_a_message_naming_the_problem(weights, options, message):
    with pytest.raises(KernelError, match=message):
        Kernel(weights, **options)


def test_kernel_error_is_a_value_error():
    assert issubclass(KernelError, ValueError)


def test_sizes_from_1_to_63_and_rectangles_are_accepted():
    for shape in [(1, 1), (1, 15), (15, 1), (3, 7), (63, 63)]:
        assert Kernel(np.ones(shape)).shape == shape


def test_kernel_is_immutable_and_owns_its_weights():
    source = np.ones((3, 3))
    kernel = Kernel(source, divisor=9, name="Box")
    source[1, 1] = 5
    assert kernel.weights[1, 1] == 1
    with pytest.raises(ValueError):
        kernel.weights[0, 0] = 2
    with pytest.raises(AttributeError):
        kernel.divisor = 3


def test_fields_and_effective_weights():
    kernel = Kernel([[1, 2, 1]], divisor=4, offset=8, border="Wrap", name="n", category="Blur")
    assert kernel.border == "wrap"
    assert kernel.total == 4
    np.testing.assert_allclose(kernel.effective_weights(), [[0.25, 0.5, 0.25]])
    assert not kernel.is_color
    assert Kernel(np.ones((3, 3, 5, 5)), offset=(1, 2, 3)).is_color


def test_equal_kernels_compare_and_hash_equal_and_survive_pickling():
    a = Kernel([[1, 2, 1]], divisor=4, name="x", extra={"author": "me"})
    b = Kernel(np.array([[1.0, 2.0, 1.0]]), divisor=4.0, name="x", extra={"author": "me"})
    assert a == b and hash(a) == hash(b)
    assert a != a.replace(divisor=2)
    assert pickle.loads(pickle.dumps(a)) == a


@pytest.mark.parametrize(
    "change",
    [
        {"weights": [[1, 2, 2]]},
        {"divisor": 2},
        {"offset": 1},
        {"border": "wrap"},
        {"name": "y"},
        {"category": "Blur"},
        {"description": "d"},
        {"extra": {"author": "you"}},
    ],
)
def test_kernels_differing_in_any_field_are_not_equal(change):
    a = Kernel([[1, 2, 1]], divisor=4, name="x", extra={"author": "me"})
    assert a != a.replace(**change)


def test_a_colour_kernel_survives_pickling_with_every_field():
    weights = np.arange(3 * 3 * 1 * 3, dtype=float).reshape(3, 3, 1, 3)
    a = Kernel(
        weights,
        divisor=7,
        offset=(1, 2, 3),
        border="mirror",
        name="mix",
        category="Colour",
        description="d",
        extra={"k": [1, 2]},
    )
    b = pickle.loads(pickle.dumps(a))
    assert b == a and b.offset == (1, 2, 3) and b.extra == {"k": [1, 2]}


def test_normalized_follows_gimp():
    blur = Kernel(np.ones((3, 3))).normalized()
    assert (blur.divisor, blur.offset) == (9, 0)
    negative = Kernel([[-1, -1, -1]]).normalized()
    assert (negative.divisor, negative.offset) == (3, 255)
    edge = Kernel([[-1, 0, 1]]).normalized()
    assert (edge.divisor, edge.offset) == (1, 128)


def test_rotated_flipped_resized():
    kernel = Kernel([[1, 2, 3]])
    assert kernel.rotated().weights.tolist() == [[3], [2], [1]]
    assert kernel.flipped().weights.tolist() == [[3, 2, 1]]
    grown = kernel.resized(3, 5)
    assert grown.weights.tolist() == [[0, 0, 0, 0, 0], [0, 1, 2, 3, 0], [0, 0, 0, 0, 0]]
    assert grown.resized(1, 3) == kernel
    with pytest.raises(KernelError, match="odd"):
        kernel.resized(2, 3)
    with pytest.raises(TypeError, match="unknown Kernel field"):
        kernel.replace(colour="red")


def test_tiny_divisor_that_would_overflow_is_refused():
    with pytest.raises(KernelError, match=r"divisor .* too small"):
        Kernel([[1.0, 2.0, 1.0]], divisor=1e-300)
    assert Kernel([[1.0, 2.0, 1.0]], divisor=1e-6).divisor == 1e-6
