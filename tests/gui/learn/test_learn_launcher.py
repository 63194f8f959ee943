"""Learn from examples from the main window: one dialog at a time, deleted when closed."""

from __future__ import annotations

import numpy as np
from user_steps import open_and_wait

from workbench.engine import Kernel


def test_learn_action_opens_the_dialog_or_says_why_not(qtbot, window, dialogs, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def failing_import(name, *args, **kwargs):
        if name == "workbench.gui.learn.dialog":
            raise ImportError("no module named workbench.gui.learn.dialog")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing_import)
    window.actions.learn.trigger()
    assert dialogs.kinds() == ["warning"]


def _answer_save_dialog(monkeypatch, values):
    """The library's save dialog answers ``values`` (name, category, description) or
    cancels (None); returns the kernels and parents it was shown for."""
    from workbench.gui.library.save_dialog import KernelSaveDialog

    shown = []

    def ask(cls, kernel, categories, parent=None):
        shown.append((kernel, parent))
        return values

    monkeypatch.setattr(KernelSaveDialog, "ask", classmethod(ask))
    return shown


def test_learn_dialog_opens_on_the_current_image_and_hands_results_back(
    qtbot, window, image_path, kernel_library, monkeypatch
):
    open_and_wait(qtbot, window, image_path)
    window.actions.learn.trigger()
    dialog = window.learn.dialog
    assert dialog is not None and dialog.isVisible()
    learned = Kernel([[0, 0, 0], [0, 2, 0], [0, 0, 0]], name="Learned 3x3", category="Learned")
    dialog.open_in_editor.emit(learned)
    np.testing.assert_array_equal(window.editor.kernel().weights, learned.weights)
    # The library dock saves the learned kernel: its dialog, over the learn dialog.
    shown = _answer_save_dialog(monkeypatch, ("Doubler", "Learned", "x2"))
    dialog.add_requested.emit(learned)
    assert shown == [(learned, dialog)]
    key = window.library_panel.selected_key()
    entry = kernel_library.get(key)
    assert (entry.kernel.name, entry.kernel.category) == ("Doubler", "Learned")
    np.testing.assert_array_equal(entry.kernel.weights, learned.weights)
    assert "Doubler" in dialog.status_text() and "Learned" in dialog.status_text()
    window.actions.learn.trigger()  # a second Ctrl+L brings the same dialog forward
    assert window.learn.dialog is dialog
    dialog.close()


def _close_learn_dialog(qtbot, window):
    """Close the window's learn dialog as a user does; weak references to it and its image."""
    import weakref

    dialog = window.learn.dialog
    refs = weakref.ref(dialog), weakref.ref(dialog.pairs.pairs()[0][0])
    destroyed = []
    dialog.destroyed.connect(lambda: destroyed.append(True))
    dialog.reject()  # Close, Escape or the title bar button
    qtbot.waitUntil(lambda: bool(destroyed), timeout=60_000)
    return refs


def test_a_closed_learn_dialog_is_deleted_with_its_images(qtbot, window, image_path):
    import gc

    from workbench.gui.learn.dialog import LearnDialog

    open_and_wait(qtbot, window, image_path)
    for _ in range(3):  # each Ctrl+L after a close used to leave one more dialog behind
        window.actions.learn.trigger()
        dialog_ref, image_ref = _close_learn_dialog(qtbot, window)
        assert window.learn.dialog is None
        gc.collect()
        assert dialog_ref() is None and image_ref() is None
    assert window.findChildren(LearnDialog) == []
    window.actions.learn.trigger()  # and a new one still opens on the current image
    assert window.learn.dialog.isVisible()


def test_learn_dialog_closed_just_before_ctrl_l_does_not_forget_the_new_one(
    qtbot, window, image_path
):
    open_and_wait(qtbot, window, image_path)
    window.actions.learn.trigger()
    first = window.learn.dialog
    first.close()  # deleted later, once the event loop runs
    window.actions.learn.trigger()
    second = window.learn.dialog
    assert second is not first
    destroyed = []
    first.destroyed.connect(lambda: destroyed.append(True))
    qtbot.waitUntil(lambda: bool(destroyed), timeout=60_000)
    assert window.learn.dialog is second and second.isVisible()


def test_the_learn_dialog_fits_on_the_screen(qtbot, window):
    window.actions.learn.trigger()
    dialog = window.learn.dialog
    screen = dialog.screen().availableGeometry()
    assert dialog.height() <= screen.height()  # 1280 x 820 was taller than a 768 laptop
    assert dialog.minimumSizeHint().width() <= 1024
    dialog.close()


def test_closing_the_dialog_while_it_learns_stops_and_deletes_it(qtbot, window, image_path):
    from workbench.gui.learn.pairs import ExampleImage

    rng = np.random.default_rng(5)
    before = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    after = before[::-1].copy()  # any after: the fit is cancelled long before it matters
    open_and_wait(qtbot, window, image_path)
    window.actions.learn.trigger()
    dialog = window.learn.dialog
    dialog.pairs.set_image(0, "before", ExampleImage(before, "before"))
    dialog.pairs.set_image(0, "after", ExampleImage(after, "after"))
    dialog.options.set_options(size=7, solver="adam")
    dialog.learn()
    assert dialog.is_running()
    destroyed = []
    dialog.destroyed.connect(lambda: destroyed.append(True))
    dialog.reject()  # Escape while training
    qtbot.waitUntil(lambda: bool(destroyed) and not window.runner.is_busy(), timeout=60_000)
    assert window.learn.dialog is None
    window.actions.learn.trigger()  # and learning can start again
    assert window.learn.dialog.learn_button.isEnabled()


def test_adding_a_learned_kernel_can_be_cancelled_or_fail_with_one_message(
    qtbot, window, kernel_library, dialogs, monkeypatch
):
    from workbench.engine.library import LibraryError

    window.actions.learn.trigger()
    dialog = window.learn.dialog
    learned = Kernel([[1, 1, 1]], divisor=3, name="Learned 1x3", category="Learned")
    before = dialog.status_text()

    _answer_save_dialog(monkeypatch, None)  # the user cancels the save dialog
    dialog.add_requested.emit(learned)
    assert not any(not e.builtin for e in kernel_library.entries)
    assert dialogs.calls == [] and dialog.status_text() == before

    def refuse(*args, **kwargs):
        raise LibraryError("cannot create the kernel folder '/nowhere' (Permission denied)")

    _answer_save_dialog(monkeypatch, ("X", "", ""))
    monkeypatch.setattr(kernel_library, "save", refuse)
    dialog.add_requested.emit(learned)
    assert [(kind, title) for kind, title, _ in dialogs.calls] == [
        ("warning", "Cannot save the kernel")
    ]
    assert "Permission denied" in dialogs.calls[0][2]
    assert dialog.status_text() == before  # no second report of the same failure
    dialog.close()


def test_learning_from_an_edited_tab_uses_the_file_as_saved(qtbot, window, image_path, small_rgb):
    from workbench.gui.learn.pairs import WITH_EDITS

    tab = open_and_wait(qtbot, window, image_path)
    blur = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16, name="Soft")
    window.edits.apply(window.editor.settings().__class__(blur))
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    assert tab.document.unsaved_edits() == 1
    window.actions.learn.trigger()
    dialog = window.learn.dialog
    qtbot.waitUntil(lambda: not dialog.pairs.is_loading(), timeout=60_000)
    before = dialog.pairs.pairs()[0][0]
    np.testing.assert_array_equal(before.pixels, small_rgb)  # as saved, not blurred
    assert before.name == "small.png (as saved)"
    combo = dialog.pairs.row(0).before.source_combo
    combo.setCurrentIndex(combo.findData(WITH_EDITS))
    before = dialog.pairs.pairs()[0][0]
    np.testing.assert_array_equal(before.pixels, tab.document.pixels)
    assert before.name == "small.png (with 1 unsaved edit)"
    dialog.close()


def test_open_in_editor_from_the_learn_dialog_is_one_kernel_undo_step(qtbot, window):
    window.actions.learn.trigger()
    dialog = window.learn.dialog
    before = window.editor.kernel()
    learned = Kernel([[0, 1, 0], [1, 4, 1], [0, 1, 0]], name="Learned 3x3")
    dialog.open_in_editor.emit(learned)
    assert window.editor.undo_stack.undoText() == "Load Learned 3x3"
    window.editor.undo()
    assert window.editor.kernel() == before
    dialog.close()
