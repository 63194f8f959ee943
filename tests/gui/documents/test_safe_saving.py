"""Saving never overwrites what it should not: the bundled sample and installed files act as
Save As and are never written; Save over a JPEG or lossy WebP asks first; JPEG and WebP ask
for the quality and remember it."""

from __future__ import annotations

import hashlib

import numpy as np
from PySide6.QtWidgets import QMessageBox
from user_steps import open_and_wait

from workbench.engine import Kernel
from workbench.engine.imageio import load_image, save_image
from workbench.gui.app import sample_image
from workbench.gui.documents.save_checks import read_only_reason, webp_is_lossy

BLUR = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16, name="Soft")


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _blur(qtbot, window, tab):
    window.edits.apply(window.editor.settings().__class__(BLUR))
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)


def test_save_on_the_bundled_sample_acts_as_save_as(qtbot, window, tmp_path, dialogs):
    sample = sample_image()
    before = _digest(sample)
    tab = open_and_wait(qtbot, window, sample)
    _blur(qtbot, window, tab)
    # Ctrl+S with nowhere chosen: nothing is written at all.
    window.actions.save.trigger()
    assert dialogs.kinds() == ["save dialog"]  # Save on the sample asks where, as Save As
    qtbot.wait(100)
    assert _digest(sample) == before and tab.document.modified
    # Ctrl+S again, a place chosen: the copy is written there, the sample is untouched.
    copy = tmp_path / "my sample.png"
    dialogs.save_file = str(copy)
    window.actions.save.trigger()
    qtbot.waitUntil(lambda: tab.document.path == copy, timeout=60_000)
    assert _digest(sample) == before
    np.testing.assert_array_equal(load_image(copy).pixels, tab.document.pixels)
    assert "read-only" in read_only_reason(sample)


def test_no_save_ever_writes_into_the_installation(qtbot, window, dialogs):
    sample = sample_image()
    before = _digest(sample)
    tab = open_and_wait(qtbot, window, sample)
    _blur(qtbot, window, tab)
    assert window.save_document(tab, sample) is None
    assert dialogs.kinds()[-1] == "warning" and "read-only" in dialogs.calls[-1][2]
    dialogs.save_file = str(sample)  # chosen in Save As: refused the same way
    window.actions.save_as.trigger()
    qtbot.wait(100)
    assert _digest(sample) == before
    assert dialogs.kinds()[-1] == "warning"


def test_save_over_a_jpeg_asks_before_encoding_it_again(qtbot, window, tmp_path, dialogs):
    photo = tmp_path / "photo.jpg"
    rng = np.random.default_rng(1)
    save_image(photo, rng.integers(0, 256, (40, 60, 3), dtype=np.uint8), quality=90)
    original = _digest(photo)
    tab = open_and_wait(qtbot, window, photo)
    _blur(qtbot, window, tab)
    dialogs.answers.append(QMessageBox.StandardButton.Cancel)
    window.actions.save.trigger()
    _, title, text = [c for c in dialogs.calls if c[0] == "question"][-1]
    assert "JPEG" in title and "loses a little more" in text
    qtbot.wait(100)
    assert _digest(photo) == original  # declined: the original is as it was
    dialogs.answers.append(QMessageBox.StandardButton.Save)
    window.actions.save.trigger()
    assert dialogs.calls[-1][:2] == ("number dialog", "JPEG quality")
    qtbot.waitUntil(lambda: not tab.document.modified, timeout=60_000)
    assert _digest(photo) != original


def test_jpeg_and_webp_ask_for_the_quality_and_remember_it(
    qtbot, window, tmp_path, dialogs, settings
):
    source = tmp_path / "source.png"
    rng = np.random.default_rng(2)
    save_image(source, rng.integers(0, 256, (48, 64, 3), dtype=np.uint8))
    tab = open_and_wait(qtbot, window, source)
    low = tmp_path / "low.jpg"
    dialogs.save_file = str(low)
    dialogs.numbers.append(30)
    window.actions.save_as.trigger()
    assert dialogs.calls[-1] == ("number dialog", "JPEG quality", "90")  # the default offered
    qtbot.waitUntil(lambda: tab.document.path == low, timeout=60_000)
    reference = tmp_path / "reference.jpg"
    save_image(reference, load_image(source).pixels, quality=30)
    assert low.stat().st_size == reference.stat().st_size  # written at the quality chosen
    # Next time the box offers what was chosen; WebP keeps its own.
    dialogs.save_file = str(tmp_path / "again.jpg")
    dialogs.numbers.append(None)  # Cancel: nothing written
    window.actions.save_as.trigger()
    assert dialogs.calls[-1] == ("number dialog", "JPEG quality", "30")
    qtbot.wait(100)
    assert not (tmp_path / "again.jpg").exists()
    lossless = tmp_path / "lossless.webp"
    dialogs.save_file = str(lossless)
    dialogs.numbers.append(100)
    window.actions.save_as.trigger()
    assert dialogs.calls[-1] == ("number dialog", "WebP quality", "90")
    qtbot.waitUntil(lambda: tab.document.path == lossless, timeout=60_000)
    assert not webp_is_lossy(lossless)
    assert settings.value("save/jpeg_quality") in (30, "30")


def test_save_over_a_lossless_webp_does_not_ask(qtbot, window, tmp_path, dialogs):
    path = tmp_path / "clean.webp"
    save_image(path, np.full((20, 30, 3), 90, np.uint8), quality=100)
    assert not webp_is_lossy(path)
    lossy = tmp_path / "lossy.webp"
    save_image(lossy, np.full((20, 30, 3), 90, np.uint8), quality=80)
    assert webp_is_lossy(lossy)
    tab = open_and_wait(qtbot, window, path)
    _blur(qtbot, window, tab)
    window.actions.save.trigger()
    qtbot.waitUntil(lambda: not tab.document.modified, timeout=60_000)
    assert "question" not in dialogs.kinds()
