"""The kernel file's keys space, luminance and out_range, and GIMP presets in linear light."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from workbench.engine import Kernel, KernelFileError, apply_kernel, import_kernels
from workbench.engine.kernel_files.native import kernel_to_dict, load_kernel, save_kernel
from workbench.paths import builtin_kernels_dir

GEGL = Path(__file__).resolve().parents[2] / "data" / "gegl-linear"


def test_defaults_are_not_written_so_old_files_stay_byte_identical(tmp_path):
    files = sorted(builtin_kernels_dir().glob("*.json"))
    assert files
    for path in files:
        kernel = load_kernel(path)
        assert (kernel.space, kernel.luminance, kernel.out_range) == ("perceptual", False, "clip")
        save_kernel(kernel, tmp_path / path.name)
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
    assert not {"space", "luminance", "out_range"} & set(kernel_to_dict(Kernel([[1]])))


def test_options_round_trip(tmp_path):
    kernel = Kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], space="linear", luminance=True,
                    out_range="stretch")  # fmt: skip
    save_kernel(kernel, tmp_path / "k.json")
    data = json.loads((tmp_path / "k.json").read_text())
    assert (data["space"], data["luminance"], data["out_range"]) == ("linear", True, "stretch")
    again = load_kernel(tmp_path / "k.json")
    assert again == kernel.replace(name="k")
    assert (again.space, again.luminance, again.out_range) == ("linear", True, "stretch")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("space", "log", "unknown space 'log'"),
        ("space", 1, "'space' must be text"),
        ("luminance", "yes", "'luminance' must be true or false"),
        ("out_range", "wrap", "unknown out_range 'wrap'"),
    ],
)
def test_bad_values_name_the_file(tmp_path, key, value, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"weights": [[1]], key: value}))
    with pytest.raises(KernelFileError, match=message) as info:
        load_kernel(path)
    assert str(path) in str(info.value)


def test_gimp_preset_is_imported_in_linear_light_and_reproduces_gegl(tmp_path):
    # The blur of tests/data/gegl-linear (made with gegl:convolution-matrix) as a GIMP preset.
    path = tmp_path / "GimpGegl-gegl-convolution-matrix-config.settings"
    path.write_text(
        '(GimpGegl-gegl-convolution-matrix-config "Soft"\n'
        "    (b2 1) (c2 2) (d2 1) (b3 2) (c3 4) (d3 2) (b4 1) (c4 2) (d4 1)\n"
        "    (divisor 16) (offset 0) (normalize no) (border clamp))\n"
    )
    (kernel,), _notes = import_kernels(path)
    assert kernel.space == "linear"
    before = np.array(Image.open(GEGL / "train.png"))
    gegl = np.array(Image.open(GEGL / "train-blur.png")).astype(int)
    assert np.max(np.abs(apply_kernel(before, kernel).astype(int) - gegl)) <= 1
