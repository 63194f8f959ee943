"""The learn dialog's pairs and options: bad pairs refused with a message, sizes, losses,
colour mixing, dropped files, Enter, and a long report."""

from __future__ import annotations

import numpy as np
from learn_steps import (
    SHARPEN,
    WAIT,
    interior,
    is_error,
    learn_and_wait,
    textured,
    user_keys,
)
from PySide6.QtCore import Qt

from workbench.engine import Kernel, apply_kernel
from workbench.engine.imageio import save_image
from workbench.gui.learn.options import KernelSizeBox
from workbench.gui.learn.pairs import ExampleImage

# --- bad pairs ----------------------------------------------------------------------------


def test_pairs_of_different_sizes_are_refused_with_a_message(qtbot, make_dialog, runner):
    dialog = make_dialog(textured(64, 64))
    dialog.pairs.set_image(0, "after", ExampleImage(textured(48, 64), "small.png"))
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert not dialog.is_running() and not runner.is_busy()
    text = dialog.status_text()
    assert is_error(dialog)
    assert "Pair 1" in text and "64 \u00d7 64" in text and "64 \u00d7 48" in text
    assert "same size" in text


def test_grey_and_colour_pair_is_refused(qtbot, make_dialog):
    colour = textured(40, 40)
    dialog = make_dialog(colour)
    dialog.pairs.set_image(0, "after", ExampleImage(colour[..., 0].copy(), "grey.png"))
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert not dialog.is_running()
    assert "gray 8-bit" in dialog.status_text() and "RGB" in dialog.status_text()


def test_missing_after_image_is_asked_for(qtbot, make_dialog):
    dialog = make_dialog(textured(40, 40))
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert not dialog.is_running()
    assert "choose the after image" in dialog.status_text()


def test_unreadable_file_is_reported_in_its_slot_and_the_dialog(qtbot, tmp_path, make_dialog):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nthis is not really a picture")
    dialog = make_dialog(textured(40, 40))
    dialog.pairs.load_file(0, "after", bad)
    qtbot.waitUntil(lambda: not dialog.pairs.is_loading(), timeout=WAIT)
    assert dialog.pairs.pairs()[0][1] is None
    assert "broken.png" in dialog.pairs.row(0).after.caption()
    assert is_error(dialog) and "broken.png" in dialog.status_text()
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert not dialog.is_running()


def test_unrelated_images_are_not_passed_off_as_a_kernel(qtbot, make_dialog, library):
    dialog = make_dialog(textured(64, 64, seed=3))
    dialog.options.set_options(size=3)
    dialog.pairs.set_image(0, "after", ExampleImage(textured(64, 64, seed=4), "other.png"))
    learn_and_wait(qtbot, dialog)
    assert is_error(dialog)
    text = dialog.status_text()
    assert "same picture" in text or "not the same" in text or "Could not learn" in text
    assert user_keys(library) == []


# --- options --------------------------------------------------------------------------------


def test_size_box_offers_auto_and_odd_sizes_only(qtbot):
    box = KernelSizeBox()
    qtbot.addWidget(box)
    assert box.kernel_size() == "auto" and box.text() == "Auto"
    box.stepUp()
    assert box.kernel_size() == 1
    box.stepUp()
    assert box.kernel_size() == 3
    assert box.validate("4", 1)[0] != box.validate("5", 1)[0]
    box.set_kernel_size(7)
    assert box.kernel_size() == 7


def test_robust_losses_are_only_offered_with_adam(qtbot, make_dialog):
    dialog = make_dialog()
    options = dialog.options
    options.set_options(solver="adam", loss="l1")
    assert options.loss_box.isEnabled() and options.options()["loss"] == "l1"
    options.set_options(solver="exact")
    assert not options.loss_box.isEnabled()
    assert options.options()["loss"] == "l2"
    assert "Adam" in options.loss_hint.text()


def test_colour_mixing_kernel_is_learned_and_shown_per_channel_pair(qtbot, make_dialog):
    before = textured(48, 52, seed=5)
    weights = np.zeros((3, 3, 3, 3))
    weights[0, 2, 1, 1] = 1.0  # red takes the blue channel
    weights[1, 1, 1, 1] = 1.0
    weights[2, 0, 1, 1] = 1.0  # blue takes the red channel
    swap = Kernel(weights)
    after = apply_kernel(before, swap)
    assert np.array_equal(after[..., 0], before[..., 2])  # the reference really swaps
    dialog = make_dialog(before)
    dialog.options.set_options(size=3, mode="color")
    dialog.pairs.set_image(0, "after", ExampleImage(after, "swapped"))
    learn_and_wait(qtbot, dialog)
    assert dialog.outcome is not None, dialog.status_text()
    learned = dialog.outcome.result.kernel
    assert learned.is_color
    assert np.abs(learned.effective_weights() - weights).max() < 0.02
    assert dialog.result_view.heat_map.weights().shape == (3, 3, 3, 3)
    reproduced = apply_kernel(before, learned)
    assert np.abs(interior(reproduced) - interior(after)).max() <= 1


def test_an_image_file_dropped_on_a_slot_is_read_into_it(qtbot, tmp_path, make_dialog, pair):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    before, after = pair
    save_image(tmp_path / "dropped.png", after)
    dialog = make_dialog(before)
    slot = dialog.pairs.row(0).after
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "dropped.png"))])
    event = QDropEvent(
        QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    slot.dropEvent(event)
    qtbot.waitUntil(lambda: not dialog.pairs.is_loading(), timeout=WAIT)
    image = dialog.pairs.pairs()[0][1]
    assert image is not None and image.name == "dropped.png"
    assert np.array_equal(image.pixels, after)
    assert "dropped.png" in slot.caption()


def test_removing_a_pair_renumbers_and_keeps_one_row(qtbot, make_dialog):
    dialog = make_dialog(textured(20, 20))
    second = dialog.pairs.add_pair()
    assert dialog.pairs.count() == 2 and second.number.text() == "<b>2</b>"
    dialog.pairs.remove_pair(dialog.pairs.row(0))
    assert dialog.pairs.count() == 1 and dialog.pairs.row(0) is second
    assert second.number.text() == "<b>1</b>"
    dialog.pairs.set_image(0, "before", ExampleImage(textured(20, 20), "x"))
    dialog.pairs.remove_pair(second)  # the last row is cleared, not removed
    assert dialog.pairs.count() == 1 and dialog.pairs.pairs() == [(None, None)]


def test_enter_after_choosing_a_file_means_learn(qtbot, make_dialog, dialogs):
    dialog = make_dialog(textured(40, 40))
    dialog.show()
    choose = dialog.pairs.findChildren(type(dialog.learn_button))[0]
    assert choose.text().startswith("Choose")
    choose.setFocus()  # where focus is left after picking a file
    qtbot.keyClick(choose, Qt.Key.Key_Return)
    assert "open dialog" not in dialogs.kinds()  # no second file dialog
    assert "choose the after image" in dialog.status_text()  # Learn ran, and asked for it


def test_a_long_fit_report_scrolls_instead_of_growing_the_dialog(qtbot, make_dialog, pair):
    before, after = pair
    dialog = make_dialog(before)
    dialog.show()
    dialog.pairs.set_image(0, "after", ExampleImage(after, "after"))
    learn_and_wait(qtbot, dialog)
    report = dialog.result_view.report
    findings = "".join(f"<li>finding {i} in plain words</li>" for i in range(40))
    report.setText(report.text() + f"<ul>{findings}</ul>")
    assert dialog.minimumSizeHint().height() <= 700  # still fits a 768-pixel screen
    # All of it can be read (scrolling): the label is as tall as its wrapped text.
    qtbot.waitUntil(
        lambda: report.height() >= report.heightForWidth(report.width()), timeout=60_000
    )


def test_an_rgb_before_and_rgba_after_pair_is_learned_from(qtbot, make_dialog, pair):
    """The engine pairs RGB with RGBA (alpha is not colour); the dialog once refused it."""
    before, after = pair
    opaque = np.dstack([after, np.full(after.shape[:2], 255, np.uint8)])
    dialog = make_dialog(before)
    dialog.options.set_options(size=3)
    dialog.pairs.set_image(0, "after", ExampleImage(opaque, "after.png"))
    learn_and_wait(qtbot, dialog)
    assert not is_error(dialog), dialog.status_text()
    assert dialog.outcome is not None
    learned = dialog.outcome.result.kernel
    assert np.abs(learned.effective_weights() - SHARPEN.weights).max() < 0.02


def test_a_refused_pair_is_named_by_its_row_and_files(qtbot, make_dialog, runner):
    dialog = make_dialog()  # row 1 stays empty: the engine's "pair 2" is the user's row 3
    dialog.pairs.add_pair()
    dialog.pairs.add_pair()
    dialog.pairs.set_image(1, "before", ExampleImage(textured(40, 40), "a.png"))
    dialog.pairs.set_image(1, "after", ExampleImage(textured(40, 40), "a-after.png"))
    dialog.pairs.set_image(2, "before", ExampleImage(textured(40, 40), "b.png"))
    dialog.pairs.set_image(2, "after", ExampleImage(textured(30, 40), "b-after.png"))
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert not dialog.is_running() and not runner.is_busy()
    text = dialog.status_text()
    assert is_error(dialog)
    assert text.startswith("<span") and "Pair 3: the before image is 40 x 40" in text
    assert "b.png" in text and "b-after.png" in text and "a.png" not in text


def test_a_filter_that_is_not_a_convolution_gets_a_poor_fit_not_a_wrong_question(
    qtbot, make_dialog
):
    # The same picture through a tone curve (no kernel can do it): the engine learns it,
    # badly, and the dialog says why rather than asking whether it is the same picture.
    y, x = np.mgrid[0:64, 0:64]
    rng = np.random.default_rng(3)
    before = 128 + 100 * np.sin(x / 3.0) * np.cos(y / 4.0) + rng.normal(0, 10, (64, 64))
    before = before.clip(0, 255).astype(np.uint8)
    after = (np.abs(before.astype(int) - 128) * 2).clip(0, 255).astype(np.uint8)
    dialog = make_dialog(before)
    dialog.options.set_options(size=3)
    dialog.pairs.set_image(0, "after", ExampleImage(after, "curve.png"))
    learn_and_wait(qtbot, dialog)
    text = dialog.status_text()
    assert is_error(dialog) and "Poor fit (R\u00b2 0." in text
    assert "not a convolution" in text and "same picture" not in text
