"""The canvas shows the truth: a new preview replaces the previous one with no flash of the
unfiltered image, a preview is marked as one (badge and tab), Save says the preview is not
saved, and after Undo the preview is computed again."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from user_steps import open_and_wait

from workbench.engine import Kernel, apply_kernel
from workbench.gui.documents import preview as preview_module

BOX = Kernel(np.ones((3, 3)), divisor=9, name="Box")
SHARPEN = Kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], name="Sharpen")


def _shown(view) -> np.ndarray:
    image = view.after_image().image
    buf = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return buf[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[..., 2::-1]


def _tab_text(window, tab) -> str:
    tabs = window.tabs.tabs
    return tabs.tabText(tabs.indexOf(tab))


@pytest.fixture
def opened(qtbot, window, image_path, small_rgb):
    return open_and_wait(qtbot, window, image_path)


def test_a_new_preview_keeps_the_previous_one_on_screen_until_ready(
    qtbot, window, opened, small_rgb, monkeypatch
):
    tab = opened
    window.editor.set_kernel(BOX)
    boxed = apply_kernel(small_rgb, BOX)
    qtbot.waitUntil(lambda: np.array_equal(_shown(tab.view), boxed), timeout=60_000)

    reached, release = threading.Event(), threading.Event()
    original = preview_module._quick

    def held(*args, **kwargs):
        reached.set()
        release.wait(20)
        return original(*args, **kwargs)

    monkeypatch.setattr(preview_module, "_quick", held)
    window.editor.set_kernel(SHARPEN)  # the next edit: its preview is on its way
    qtbot.waitUntil(reached.is_set, timeout=60_000)
    # Meanwhile the canvas still shows the previous preview, not the unfiltered image.
    np.testing.assert_array_equal(_shown(tab.view), boxed)
    assert tab.shows_preview_mark()
    release.set()
    sharpened = apply_kernel(small_rgb, SHARPEN)
    qtbot.waitUntil(lambda: np.array_equal(_shown(tab.view), sharpened), timeout=60_000)


def test_a_preview_is_marked_on_the_canvas_and_the_tab(qtbot, window, opened, small_rgb):
    tab = opened
    assert not tab.shows_preview_mark() and "Preview" not in _tab_text(window, tab)
    window.editor.set_kernel(BOX)
    qtbot.waitUntil(tab.shows_preview_mark, timeout=60_000)
    assert tab.view.badge() == "Preview"
    assert "Preview" in _tab_text(window, tab)
    window.actions.apply.trigger()  # applied: the image, no longer a preview
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    assert not tab.shows_preview_mark()
    assert "Preview" not in _tab_text(window, tab)
    assert _tab_text(window, tab).endswith("*")


def test_the_badge_says_when_it_shows_the_last_valid_kernel(qtbot, window, opened):
    tab = opened
    window.editor.set_kernel(BOX)
    qtbot.waitUntil(tab.shows_preview_mark, timeout=60_000)
    window.editor.divisor_spin.setValue(0)  # invalid: the preview is of the kernel before
    assert tab.view.badge() == "Preview: last valid kernel"
    window.editor.divisor_spin.setValue(9)
    assert tab.view.badge() == "Preview"


def test_save_while_a_preview_shows_says_it_is_not_saved(qtbot, window, opened, image_path):
    tab = opened
    window.editor.set_kernel(BOX)
    qtbot.waitUntil(tab.shows_preview_mark, timeout=60_000)
    window.save_document(tab, image_path)
    qtbot.waitUntil(lambda: "Saved" in window.status.currentMessage(), timeout=60_000)
    assert "not part of the image" in window.status.currentMessage()


def test_after_undo_the_live_preview_is_computed_again(qtbot, window, opened, small_rgb):
    tab = opened
    window.editor.set_kernel(BOX)
    window.actions.apply.trigger()
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    assert not tab.shows_preview_mark()
    window.actions.undo.trigger()
    np.testing.assert_array_equal(tab.document.pixels, small_rgb)
    boxed = apply_kernel(small_rgb, BOX)
    qtbot.waitUntil(lambda: np.array_equal(_shown(tab.view), boxed), timeout=60_000)
    assert tab.shows_preview_mark()
    # With live preview off, Undo shows the image as it is, unmarked.
    window.actions.redo.trigger()
    window.actions.live_preview.setChecked(False)
    window.actions.undo.trigger()
    qtbot.waitUntil(lambda: np.array_equal(_shown(tab.view), small_rgb), timeout=60_000)
    assert not tab.shows_preview_mark()
