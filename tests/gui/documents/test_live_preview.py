"""Live preview: quick first (proxy or visible region), then exact; stale edits dropped."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from workbench.engine import Kernel, apply_kernel
from workbench.gui.documents import preview as preview_module
from workbench.gui.model.document import ImageDocument


def _shown(view) -> np.ndarray:
    image = view.after_image().image
    buf = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return buf[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[..., 2::-1]


@pytest.fixture
def photo():
    rng = np.random.default_rng(11)
    return rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)


def test_whole_image_in_view_previews_a_proxy_then_the_exact_result(
    qtbot, window, photo, monkeypatch
):
    monkeypatch.setattr(preview_module, "QUICK_BUDGET", 5000)  # force the proxy path
    tab = window.add_document(ImageDocument(photo))
    tab.view.fit()
    patches = []
    original = tab.view.set_patch
    tab.view.set_patch = lambda d, x, y, s=1.0: (
        patches.append((d.width, d.height, s)),
        original(d, x, y, s),
    )
    kernel = Kernel(np.ones((3, 3)), divisor=9, name="Box")
    window.editor.set_kernel(kernel)
    expected = apply_kernel(photo, kernel)
    qtbot.waitUntil(lambda: np.array_equal(_shown(tab.view), expected), timeout=60_000)
    assert patches, "no quick preview was shown first"
    w, h, scale = patches[0]
    assert scale > 1 and w * h <= 5000 * 1.5  # a shrunken copy, scaled up on screen
    assert not tab.view.has_patch()  # the exact result replaced it


def test_zoomed_in_previews_the_visible_region_exactly(qtbot, window, photo):
    tab = window.add_document(ImageDocument(photo))
    tab.view.resize(200, 150)
    tab.view.set_zoom(4.0)
    tab.view.centerOn(200, 100)
    QApplication.processEvents()
    rect = tab.view.visible_image_rect()
    assert rect.width() < photo.shape[1]
    seen = []
    original = tab.view.set_patch
    tab.view.set_patch = lambda d, x, y, s=1.0: (seen.append((d, x, y, s)), original(d, x, y, s))
    kernel = Kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], name="Sharpen")
    window.editor.set_kernel(kernel)
    qtbot.waitUntil(lambda: bool(seen), timeout=60_000)
    display, x, y, scale = seen[0]
    assert scale == 1.0
    image = display.image
    buf = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    patch = buf[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[..., 2::-1]
    full = apply_kernel(photo, kernel)
    # Cropped with real neighbours as margin: identical to the full result there.
    np.testing.assert_array_equal(patch, full[y : y + image.height(), x : x + image.width()])


def test_a_burst_of_edits_ends_showing_the_last_one(qtbot, window, photo):
    tab = window.add_document(ImageDocument(photo))
    editor = window.editor
    finished = []
    window.preview.ready.connect(finished.append)
    for value in range(2, 9):
        editor.set_kernel(Kernel(np.full((3, 3), 1.0), divisor=value, name=f"/{value}"))
    last = Kernel(np.full((3, 3), 1.0), divisor=8, name="/8")
    expected = apply_kernel(photo, last)
    qtbot.waitUntil(lambda: np.array_equal(_shown(tab.view), expected), timeout=60_000)
    qtbot.waitUntil(lambda: not window.preview.is_busy(), timeout=60_000)
    # Stale previews were superseded, not queued: only the last one finished.
    assert [r.settings.kernel.divisor for r in finished] == [8]
    assert not tab.document.modified


def test_apply_reuses_the_finished_preview(qtbot, window, photo, monkeypatch):
    tab = window.add_document(ImageDocument(photo))
    kernel = Kernel(np.ones((5, 5)), divisor=25, name="Box 5")
    window.editor.set_kernel(kernel)
    qtbot.waitUntil(
        lambda: window.preview.result_for(tab, window.editor.settings()) is not None, timeout=60_000
    )
    submitted = []
    monkeypatch.setattr(window.jobs, "apply", lambda *a: submitted.append(a))
    window.actions.apply.trigger()
    assert submitted == []  # no second filtering
    np.testing.assert_array_equal(tab.document.pixels, apply_kernel(photo, kernel))
    assert tab.document.undo_label() == "Box 5 5x5"


def test_apply_with_another_border_value_filters_again(qtbot, window, photo):
    # A GIMP preset's "extend with white" is a constant border of 255: the finished preview
    # of the same weights with a black border is not its result.
    tab = window.add_document(ImageDocument(photo))
    black = Kernel(np.ones((5, 5)), divisor=25, name="Box 5", border="constant")
    window.editor.set_kernel(black)
    qtbot.waitUntil(
        lambda: window.preview.result_for(tab, window.editor.settings()) is not None, timeout=60_000
    )
    white = black.replace(cval=255.0, name="Box 5 white")
    window.edits.apply_kernel(white, window.editor.settings())
    expected = apply_kernel(photo, white)
    qtbot.waitUntil(lambda: np.array_equal(tab.document.pixels, expected), timeout=60_000)
    assert not np.array_equal(expected, apply_kernel(photo, black))


def test_turning_live_preview_off_shows_the_image_again(qtbot, window, photo):
    tab = window.add_document(ImageDocument(photo))
    window.editor.set_kernel(Kernel(np.ones((3, 3)), divisor=9, name="Box"))
    qtbot.waitUntil(lambda: not np.array_equal(_shown(tab.view), photo), timeout=60_000)
    window.actions.live_preview.setChecked(False)
    assert not window.editor.preview_box.isChecked()
    np.testing.assert_array_equal(_shown(tab.view), photo)
    qtbot.waitUntil(lambda: not window.preview.is_busy(), timeout=60_000)
    np.testing.assert_array_equal(_shown(tab.view), photo)


def test_pixel_values_follow_the_split(qtbot, window, photo):
    tab = window.add_document(ImageDocument(photo))
    darker = (photo // 2).astype(np.uint8)
    tab.document.apply(darker, "Darken")
    window._document_changed()
    window.actions.split.setChecked(True)
    tab.view.set_divider(0.5)
    window._on_pixel_hovered(10, 10)  # left: before (as opened)
    r, g, b = photo[10, 10]
    assert window.status.pixel_label.text().endswith(f"R {r}  G {g}  B {b}")
    window._on_pixel_hovered(300, 10)  # right: after
    r, g, b = darker[10, 300]
    assert window.status.pixel_label.text().endswith(f"R {r}  G {g}  B {b}")


def test_renaming_the_kernel_does_not_filter_again(qtbot, window, photo):
    tab = window.add_document(ImageDocument(photo))
    window.editor.set_kernel(Kernel(np.ones((3, 3)), divisor=9, name="Box"))
    qtbot.waitUntil(
        lambda: window.preview.result_for(tab, window.editor.settings()) is not None, timeout=60_000
    )
    qtbot.keyClicks(window.editor.name_edit, " soft")
    assert not window.preview.is_busy()
    assert window.preview.result_for(tab, window.editor.settings()) is not None
    window.actions.apply.trigger()
    assert tab.document.undo_label() == "Box soft 3x3"


def test_a_burst_of_edits_starts_one_preview(qtbot, window, photo, monkeypatch):
    from workbench.gui.documents.preview import QUICK_CHANNEL

    window.add_document(ImageDocument(photo))
    channels = []
    submit = window.runner.submit

    def counting_submit(fn, *, channel, **kwargs):
        channels.append(channel)
        return submit(fn, channel=channel, **kwargs)

    monkeypatch.setattr(window.runner, "submit", counting_submit)
    for value in range(2, 9):  # a spin box held down: edits faster than the debounce
        window.editor.set_kernel(Kernel(np.full((3, 3), 1.0), divisor=value, name=f"/{value}"))
    with qtbot.waitSignal(window.preview.ready, timeout=60_000) as ready:
        pass
    assert ready.args[0].settings.kernel.divisor == 8
    assert channels.count(QUICK_CHANNEL) == 1
