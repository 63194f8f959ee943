"""GIMP Convolution Matrix presets read as GIMP (GEGL 0.4) applies them, and written back.

Fixtures in tests/data/gegl/ (make_fixtures.py and COMMANDS.txt there): one preset per
file as GIMP writes them, what ``gegl -- gegl:convolution-matrix`` with the same properties
makes of photo.png, and presets.settings with all of them plus one that GIMP saved with a
weight of 2^64.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from workbench.engine import Kernel, apply_kernel
from workbench.engine.library import KernelFileError, export_kernel, import_kernels

DATA = Path(__file__).parents[2] / "data" / "gegl"
NAMES = ["sharpen", "edge-loop", "emboss-black", "blur5-white", "green-none", "fixed-no-weight"]


def preset(name: str) -> tuple[Kernel, list[str]]:
    (kernel,), notes = import_kernels(DATA / f"preset-{name}.settings")
    return kernel, notes


# -- what each property becomes -----------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "border", "cval"),
    [
        ("sharpen", "nearest", 0),  # clamp
        ("edge-loop", "wrap", 0),  # loop
        ("emboss-black", "constant", 0),  # black
        ("blur5-white", "constant", 255),  # white: full white outside
        ("green-none", "constant", 0),  # none: transparent black outside
    ],
)
def test_borders(name, border, cval):
    kernel, notes = preset(name)
    assert (kernel.border, kernel.cval) == (border, cval)
    assert any("'none' border" in n for n in notes) == (name == "green-none")


@pytest.mark.parametrize(
    ("name", "divisor", "offset"),
    [
        ("sharpen", 1, 0),  # sum 1
        ("edge-loop", 1, 127.5),  # sum 0: GEGL adds 0.5 of the range, not 128
        ("emboss-black", 2, 255),  # sum -2: divisor 2, offset the top of the range
        ("blur5-white", 28, 0),
        ("fixed-no-weight", 3, 0.2 * 255),  # normalize no: the file's divisor and offset
    ],
)
def test_gegl_normalise(name, divisor, offset):
    kernel, _ = preset(name)
    assert kernel.divisor == divisor
    assert kernel.offset == pytest.approx(offset)


def test_channel_flags_and_alpha_weight():
    green, _ = preset("green-none")
    assert green.channels == "GA"  # red and blue off; GEGL's alpha flag is on by default
    assert green.alpha_weighting
    fixed, _ = preset("fixed-no-weight")
    assert fixed.channels == "RGBA" and not fixed.alpha_weighting


def test_letter_is_the_column_digit_the_row():
    kernel, _ = preset("fixed-no-weight")  # c2=1 b3=1 c3=2 d3=-1 c4=1
    np.testing.assert_array_equal(kernel.weights, [[0, 1, 0], [1, 2, -1], [0, 1, 0]])


# -- a file with a preset GIMP saved broken -----------------------------------------------
def test_every_valid_preset_is_imported_and_the_broken_one_named():
    kernels, notes = import_kernels(DATA / "presets.settings")
    assert [k.name for k in kernels] == NAMES
    assert "Imported 6 of 7 presets from presets.settings." in notes
    refused = [n for n in notes if n.startswith("Not imported")]
    assert refused == [
        "Not imported: preset 'Broken': kernel weights are too large (over 1e+12 in size)"
    ]


def test_a_file_with_no_valid_preset_is_refused(tmp_path):
    path = tmp_path / "bad.settings"
    path.write_text(
        '(GimpGegl-gegl-convolution-matrix-config "A" (c3 1e300))\n'
        '(GimpGegl-gegl-convolution-matrix-config "B" (c3 x))\n'
    )
    with pytest.raises(KernelFileError, match=r"none of its 2 presets.*'A'.*'B': c3 'x' is not"):
        import_kernels(path)


def test_divisor_zero_is_noted(tmp_path):
    path = tmp_path / "z.settings"
    path.write_text('(GimpGegl-gegl-convolution-matrix-config "Z" (c3 2) (divisor 0))\n')
    (kernel,), notes = import_kernels(path)
    assert kernel.divisor == 1 and any("leaves the image unchanged" in n for n in notes)


# -- export writes everything back ---------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_export_writes_every_property_back(tmp_path, name):
    kernel, _ = preset(name)
    assert export_kernel(kernel, tmp_path / "again.settings") == []
    back, _ = import_kernels(tmp_path / "again.settings")
    (back,) = back
    np.testing.assert_array_equal(back.weights, kernel.weights)
    for field in ("divisor", "border", "cval", "channels", "alpha_weighting", "name"):
        assert getattr(back, field) == getattr(kernel, field), field
    assert back.offset == pytest.approx(kernel.offset)


def test_export_of_a_constant_border_other_than_black_or_white(tmp_path):
    notes = export_kernel(Kernel([[1]], border="constant", cval=100), tmp_path / "c.settings")
    assert any("black or white" in n for n in notes)


@pytest.mark.parametrize("name", ["blur5-white", "green-none", "fixed-no-weight"])
def test_native_json_keeps_channels_cval_and_alpha_weighting(tmp_path, name):
    kernel, _ = preset(name)
    export_kernel(kernel, tmp_path / "k.json")
    text = (tmp_path / "k.json").read_text()
    assert ('"cval": 255' in text) == (name == "blur5-white")
    (back,), _ = import_kernels(tmp_path / "k.json")
    assert back == kernel
    plain = Kernel([[1]])
    export_kernel(plain, tmp_path / "plain.json")
    text = (tmp_path / "plain.json").read_text()
    assert "channels" not in text and "cval" not in text and "alpha_weighting" not in text


# -- the result: GEGL's, within a level -----------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_every_preset_gives_gegls_result_within_one_level(name):
    kernel, notes = preset(name)
    assert kernel.space == "linear" and any("in linear light" in n for n in notes)
    photo = np.asarray(Image.open(DATA / "photo.png"))
    # GEGL writes RGBA: it filters the opaque alpha too, which GIMP drops for an RGB layer.
    gegl = np.asarray(Image.open(DATA / f"preset-{name}.png"))[:, :, :3].astype(int)
    ours = apply_kernel(photo, kernel).astype(int)
    assert np.abs(ours - gegl)[2:-2, 2:-2].max() <= 1
    assert np.abs(ours - gegl).max() <= 1  # every border mode too
    # On the stored values the same kernel is clearly not GIMP's result.
    stored = apply_kernel(photo, kernel.replace(space="perceptual")).astype(int)
    assert np.abs(stored - gegl).max() > 3
