"""The learn dialog offers the working space and says which one the kernel was made in."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from learn_steps import WAIT, learn_and_wait
from PIL import Image

GEGL = Path(__file__).resolve().parents[2] / "data" / "gegl-linear"


def test_a_gegl_pair_is_learned_in_linear_light_unless_told_otherwise(qtbot, tmp_path, make_dialog):
    before = np.array(Image.open(GEGL / "train.png"))
    shutil.copy(GEGL / "train-gaussian.png", tmp_path / "after.png")
    dialog = make_dialog(before)
    assert dialog.options.options()["space"] == "auto"
    dialog.options.set_options(size=5)
    dialog.pairs.load_file(0, "after", tmp_path / "after.png")
    qtbot.waitUntil(lambda: not dialog.pairs.is_loading(), timeout=WAIT)

    learn_and_wait(qtbot, dialog)
    assert dialog.outcome is not None, dialog.status_text()
    assert dialog.outcome.result.kernel.space == "linear"
    assert "Made in linear light, as GIMP does" in dialog.result_view.report.text()

    dialog.options.set_options(size=5, space="perceptual")
    learn_and_wait(qtbot, dialog)
    assert dialog.outcome.result.kernel.space == "perceptual"
    assert "Made on the stored values" in dialog.result_view.report.text()
