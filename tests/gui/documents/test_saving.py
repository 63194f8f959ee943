"""Saving: the type from the dialog, a converted copy for formats that hold less (asked
first), and quitting while a save runs."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox
from user_steps import open_and_wait

from workbench.engine import Kernel
from workbench.engine.imageio import load_image, save_image
from workbench.gui.documents.save_conversion import convert_for_format, what_saving_changes

BLUR = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16, name="Soft")


def test_what_changes_depends_on_format_depth_and_alpha(tmp_path):
    deep = np.zeros((2, 2, 3), np.uint16)
    clear = np.zeros((2, 2, 4), np.uint8)
    assert what_saving_changes(deep, tmp_path / "a.png") == []
    assert what_saving_changes(deep, tmp_path / "a.tif") == []
    assert what_saving_changes(deep, tmp_path / "a.jpg") == ["16-bit samples are rounded to 8 bits"]
    assert what_saving_changes(clear, tmp_path / "a.webp") == []  # WebP holds alpha
    assert what_saving_changes(clear, tmp_path / "a.bmp") == [
        "transparency is flattened onto white"
    ]
    assert len(what_saving_changes(clear.astype(np.uint16), tmp_path / "a.JPEG")) == 2


@pytest.mark.parametrize("dtype, white", [(np.uint8, 255), (np.uint16, 65535)])
def test_flattening_onto_white_is_alpha_compositing(tmp_path, dtype, white):
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, white + 1, (5, 7, 4)).astype(dtype)
    out = convert_for_format(pixels, tmp_path / "x.bmp")
    assert out.shape == (5, 7, 3) and out.dtype == np.uint8  # BMP holds 8 bits too
    a = pixels[..., 3:].astype(float) / white
    expected = (pixels[..., :3] * a + white * (1 - a)) * 255 / white
    np.testing.assert_allclose(out, expected, atol=1)  # rounded twice for 16-bit


def test_sixteen_bit_becomes_eight_bit_by_rounding(tmp_path):
    pixels = np.array([[0, 128, 257, 32896, 65535]], np.uint16)
    out = convert_for_format(pixels, tmp_path / "x.jpg")
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, [[0, 0, 1, 128, 255]])


def test_save_as_jpeg_asks_then_writes_an_8_bit_copy(qtbot, window, tmp_path, dialogs):
    pixels = (np.arange(40 * 30 * 3).reshape(30, 40, 3) * 50 % 65536).astype(np.uint16)
    source = tmp_path / "deep.png"
    save_image(source, pixels)
    tab = open_and_wait(qtbot, window, source)

    dialogs.save_file = str(tmp_path / "deep.jpg")
    dialogs.answers.append(QMessageBox.StandardButton.Cancel)
    window.actions.save_as.trigger()
    assert dialogs.kinds()[-1] == "question" and "8 bits" in dialogs.calls[-1][2]
    assert not (tmp_path / "deep.jpg").exists()  # cancelled: nothing written

    dialogs.answers.append(QMessageBox.StandardButton.Save)
    window.actions.save_as.trigger()
    qtbot.waitUntil(lambda: tab.document.path == tmp_path / "deep.jpg", timeout=60_000)
    saved = load_image(tmp_path / "deep.jpg")
    assert saved.bit_depth == 8
    expected = np.rint(pixels / 257.0)
    assert np.abs(saved.pixels.astype(int) - expected).mean() < 3  # JPEG, 95 %
    assert tab.document.pixels.dtype == np.uint16  # the image here keeps its 16 bits
    assert "warning" not in dialogs.kinds()


def test_a_name_typed_without_extension_gets_the_chosen_type(
    qtbot, window, image_path, tmp_path, monkeypatch, dialogs
):
    from PySide6.QtWidgets import QFileDialog

    tab = open_and_wait(qtbot, window, image_path)
    answer = (str(tmp_path / "copy"), "TIFF image (*.tif *.tiff)")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: answer))
    window.actions.save_as.trigger()
    qtbot.waitUntil(lambda: tab.document.path == tmp_path / "copy.tif", timeout=60_000)
    assert load_image(tmp_path / "copy.tif").format == "TIFF"

    answer = (str(tmp_path / "second"), "")  # no type chosen: the current file's type
    window.actions.save_as.trigger()
    qtbot.waitUntil(lambda: (tmp_path / "second.tif").exists(), timeout=60_000)
    assert "warning" not in dialogs.kinds()


def test_quit_during_a_save_waits_for_it_then_closes(
    qtbot, window, image_path, monkeypatch, dialogs
):
    import threading

    from workbench.gui.documents import jobs as image_jobs

    tab = open_and_wait(qtbot, window, image_path)
    window.edits.apply(window.editor.settings().__class__(BLUR))
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    release = threading.Event()
    real_save = image_jobs.save_image

    def slow_save(*args, **kwargs):
        release.wait(5)
        real_save(*args, **kwargs)

    monkeypatch.setattr(image_jobs, "save_image", slow_save)
    window.actions.save.trigger()
    window.close()  # Ctrl+Q while the file is being written
    assert window.isVisible() and dialogs.kinds() == []  # no "unsaved changes?" question
    release.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60_000)
    assert dialogs.kinds() == [] and not tab.document.modified
    np.testing.assert_array_equal(load_image(image_path).pixels, tab.document.pixels)


def test_float_images_say_what_png_and_jpeg_do_to_them(tmp_path):
    hdr = np.array([[[-0.5, 0.2, 3.0]]], np.float32)
    plain = np.array([[[0.0, 0.5, 1.0]]], np.float32)
    assert what_saving_changes(hdr, tmp_path / "a.tif") == []  # TIFF holds floats
    assert what_saving_changes(hdr, tmp_path / "a.png") == [
        "32-bit float samples are stored as 16-bit",
        "values below 0 or above 1 are clipped",
    ]
    assert what_saving_changes(plain, tmp_path / "a.jpg") == [
        "32-bit float samples are stored as 8-bit"
    ]


def test_save_as_png_asks_the_compression_level_and_remembers_it(
    qtbot, window, tmp_path, dialogs, settings
):
    y, x = np.mgrid[0:90, 0:120]
    pixels = np.dstack([x, y, (x * y) % 256]).astype(np.uint8)  # compresses well
    source = tmp_path / "in.tif"
    save_image(source, pixels)
    tab = open_and_wait(qtbot, window, source)

    dialogs.save_file = str(tmp_path / "cancelled.png")
    dialogs.numbers.append(None)  # Cancel in the PNG dialog: nothing is saved
    window.actions.save_as.trigger()
    assert dialogs.calls[-1] == ("number dialog", "PNG compression", "4")  # the default
    qtbot.wait(50)
    assert not (tmp_path / "cancelled.png").exists()

    dialogs.save_file = str(tmp_path / "none.png")
    dialogs.numbers.append(0)
    window.actions.save_as.trigger()
    qtbot.waitUntil(lambda: tab.document.path == tmp_path / "none.png", timeout=60_000)
    np.testing.assert_array_equal(load_image(tmp_path / "none.png").pixels, pixels)
    assert (tmp_path / "none.png").stat().st_size > pixels.nbytes  # stored, not deflated

    dialogs.save_file = str(tmp_path / "most.png")
    dialogs.numbers.append(9)
    window.actions.save_as.trigger()
    assert dialogs.calls[-1] == ("number dialog", "PNG compression", "0")  # remembered
    qtbot.waitUntil(lambda: tab.document.path == tmp_path / "most.png", timeout=60_000)
    np.testing.assert_array_equal(load_image(tmp_path / "most.png").pixels, pixels)
    small = (tmp_path / "most.png").stat().st_size
    assert small * 5 < pixels.nbytes
    assert settings.value("save/png_compression") in (9, "9")

    # Save (not Save As) writes at the remembered level without asking again.
    (tmp_path / "most.png").write_bytes(b"")
    window.edits.apply(window.editor.settings().__class__(Kernel([[1]], name="Same")))
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    asked = dialogs.kinds().count("number dialog")
    window.actions.save.trigger()
    qtbot.waitUntil(lambda: (tmp_path / "most.png").stat().st_size > 0, timeout=60_000)
    assert dialogs.kinds().count("number dialog") == asked
    assert (tmp_path / "most.png").stat().st_size == small
