"""ImageJ kernel files give ImageJ's results when the import notes are followed.

Fixtures in tests/data/imagej/ were made by ImageJ 1.53t itself (Process > Filters >
Convolve with Normalize checked; make_fixtures.py and COMMANDS.txt there).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from workbench.engine import apply_kernel
from workbench.engine.library import import_kernels

DATA = Path(__file__).parents[2] / "data" / "imagej"


def gray() -> np.ndarray:
    return np.asarray(Image.open(DATA / "gray.png"))


def imported(name: str):
    kernels, notes = import_kernels(DATA / f"{name}.txt")
    return kernels[0], " ".join(notes)


def test_negative_sum_note_says_what_imagej_does():
    kernel, notes = imported("negative-sum")
    assert kernel.total == -4 and kernel.divisor == 1 and kernel.border == "nearest"
    assert "divides by that sum as it is" in notes and "set the divisor to -4" in notes
    assert "turn on Normalise" not in notes
    # Following the note gives ImageJ's 8-bit and 32-bit results...
    as_imagej = kernel.replace(divisor=kernel.total)
    np.testing.assert_array_equal(
        apply_kernel(gray(), as_imagej), np.asarray(Image.open(DATA / "ij-negative-sum-8-bit.png"))
    )
    floats = apply_kernel(gray().astype(np.float32), as_imagej)
    np.testing.assert_allclose(
        floats, tifffile.imread(DATA / "ij-negative-sum-32-bit.tif"), atol=1e-4
    )
    # ...where the editor's Normalise (GIMP's rule) would give the inverted image.
    gimp = apply_kernel(gray(), kernel.normalized())
    ij = np.asarray(Image.open(DATA / "ij-negative-sum-8-bit.png")).astype(int)
    assert np.abs(gimp.astype(int) - ij).max() > 200


def test_positive_sum_note_suggests_normalise_which_is_imagej():
    kernel, notes = imported("gaussian")
    assert "turn on Normalise" in notes and "set the divisor to 16" in notes
    np.testing.assert_array_equal(
        apply_kernel(gray(), kernel.normalized()),
        np.asarray(Image.open(DATA / "ij-gaussian-8-bit.png")),
    )


def test_zero_sum_is_left_as_it_is_like_imagej():
    kernel, notes = imported("zero-sum")
    assert "sum to" not in notes  # ImageJ's Normalize leaves a zero-sum kernel alone
    np.testing.assert_array_equal(
        apply_kernel(gray(), kernel), np.asarray(Image.open(DATA / "ij-zero-sum-8-bit.png"))
    )


@pytest.mark.parametrize("name", ["negative-sum", "gaussian", "zero-sum"])
def test_float_results_match_imagej_32_bit(name):
    kernel, _ = imported(name)
    if kernel.total:
        kernel = kernel.replace(divisor=kernel.total)
    floats = apply_kernel(gray().astype(np.float32), kernel)
    np.testing.assert_allclose(floats, tifffile.imread(DATA / f"ij-{name}-32-bit.tif"), atol=1e-4)
