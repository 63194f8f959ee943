"""Wrong arguments to the engine's public API: a ValueError naming the argument, at once.

Each case would otherwise fail deep inside (a TypeError from pathlib, an AttributeError
after the first tile, numpy's complaint about a seed) with a message a user cannot act on.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from workbench.engine import ConvLayer, apply_kernel, fit_kernel
from workbench.engine.imageio import load_image, save_image
from workbench.engine.library import KernelLibrary

IMAGE = np.zeros((40, 40), np.uint8)
IMAGE[10:30, 10:30] = 200


@pytest.fixture
def library(tmp_path):
    return KernelLibrary(user_dir=tmp_path)


CASES = {
    "load_image path None": (lambda lib, tmp: load_image(None), "path must be a file path"),
    "load_image path number": (lambda lib, tmp: load_image(5), "path must be a file path"),
    "save_image path None": (lambda lib, tmp: save_image(None, IMAGE), "path must be a file"),
    "save_image quality text": (
        lambda lib, tmp: save_image(tmp / "a.jpg", IMAGE, quality="high"),
        "quality must be a whole number from 1 to 100, got 'high'",
    ),
    "save_image quality 0": (
        lambda lib, tmp: save_image(tmp / "a.jpg", IMAGE, quality=0),
        "quality must be a whole number from 1 to 100, got 0",
    ),
    "save_image like": (
        lambda lib, tmp: save_image(tmp / "a.png", IMAGE, like="photo.png"),
        "like must be an ImageFile",
    ),
    "apply_kernel channels": (
        lambda lib, tmp: apply_kernel(IMAGE, [[1]], channels=5),
        "channels must be letters",
    ),
    "fit_kernel seed": (
        lambda lib, tmp: fit_kernel([(IMAGE, IMAGE)], 3, seed="x"),
        "seed must be a whole number",
    ),
    "ConvLayer in_channels": (lambda lib, tmp: ConvLayer(3, 0), "in_channels must be"),
    "KernelLibrary user_dir": (
        lambda lib, tmp: KernelLibrary(user_dir=5),
        "user_dir must be a file path",
    ),
    "KernelLibrary.get key": (lambda lib, tmp: lib.get(5), "a library key is text"),
    "KernelLibrary.resolve": (lambda lib, tmp: lib.resolve(None), "name_or_path must be"),
}


@pytest.mark.parametrize("case", CASES)
def test_wrong_arguments_are_refused_naming_them(case, library, tmp_path):
    call, message = CASES[case]
    with pytest.raises(ValueError, match=re.escape(message)):
        call(library, tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing written
