"""The editor's Linear light, Luminance only and Out of range options, and float results."""

from __future__ import annotations

import numpy as np
from user_steps import open_and_wait

from workbench.engine import Kernel, apply_kernel
from workbench.engine.imageio import load_image, save_image
from workbench.gui.editor.editor import KernelEditor

SOBEL = Kernel([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], name="Sobel")


def test_the_boxes_go_into_the_kernel_and_follow_it(qtbot):
    editor = KernelEditor()
    qtbot.addWidget(editor)
    editor.set_kernel(SOBEL)
    assert not editor.linear_box.isChecked() and not editor.luminance_box.isChecked()
    assert editor.out_range_combo.currentData() == "clip"
    with qtbot.waitSignal(editor.settingsChanged, timeout=60_000):
        editor.linear_box.setChecked(True)
    editor.luminance_box.setChecked(True)
    editor.out_range_combo.setCurrentIndex(editor.out_range_combo.findData("abs"))
    kernel = editor.settings().kernel
    assert (kernel.space, kernel.luminance, kernel.out_range) == ("linear", True, "abs")
    assert kernel.name == "Sobel (edited)"  # it no longer does what "Sobel" did
    # A kernel shown sets the boxes; a colour kernel cannot be luminance only.
    editor.set_kernel(Kernel([[1]], space="linear", out_range="stretch"))
    assert editor.linear_box.isChecked() and not editor.luminance_box.isChecked()
    assert editor.out_range_combo.currentData() == "stretch"
    editor.set_kernel(Kernel(np.ones((3, 3, 1, 1)) / 3))
    assert not editor.luminance_box.isEnabled()
    assert editor.settings().kernel.luminance is False


def test_a_float_result_becomes_a_float_document_saved_as_float_tiff(
    qtbot, window, image_path, small_rgb, tmp_path
):
    tab = open_and_wait(qtbot, window, image_path)
    assert window.status.depth_label.text() == "RGB 8-bit"
    editor = window.editor
    editor.set_kernel(SOBEL)
    editor.out_range_combo.setCurrentIndex(editor.out_range_combo.findData("float"))
    window.actions.apply.trigger()
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    pixels = tab.document.pixels
    assert pixels.dtype == np.float32
    np.testing.assert_array_equal(pixels, apply_kernel(small_rgb, SOBEL, out_range="float"))
    assert pixels.min() < 0  # the negative half of the edges is kept
    assert window.status.depth_label.text() == "RGB 32-bit float"
    out = tmp_path / "edges.tif"
    window.save_document(tab, out)
    qtbot.waitUntil(lambda: not tab.document.modified, timeout=60_000)
    saved = load_image(out)
    assert saved.bit_depth == 32
    np.testing.assert_array_equal(saved.pixels, pixels)


def test_linear_light_in_the_app_is_the_engines(qtbot, window, tmp_path):
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (24, 30, 3), dtype=np.uint8)
    save_image(tmp_path / "noise.png", image)
    tab = open_and_wait(qtbot, window, tmp_path / "noise.png")
    blur = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16, name="Blur")
    window.editor.set_kernel(blur)
    window.editor.linear_box.setChecked(True)
    window.editor.luminance_box.setChecked(True)
    window.actions.apply.trigger()
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    want = apply_kernel(image, blur, space="linear", luminance=True)
    np.testing.assert_array_equal(tab.document.pixels, want)
    assert not np.array_equal(want, apply_kernel(image, blur))
