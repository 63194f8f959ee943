"""The filter library panel: categories, search, previews, save, rename, duplicate, delete,
import and export, and bad files reported."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from workbench.engine import Kernel
from workbench.engine.library import load_kernel
from workbench.gui.library.model import KEY_ROLE
from workbench.gui.library.panel import LibraryPanel
from workbench.gui.worker import Runner


@pytest.fixture
def panel(qtbot, kernel_library):
    runner = Runner()
    p = LibraryPanel(kernel_library, runner)
    qtbot.addWidget(p)
    p.show()
    yield p
    runner.shutdown(3000)


def test_builtins_are_grouped_by_category(panel, kernel_library):
    groups = {}
    for row in range(panel.proxy.rowCount()):
        group = panel.proxy.index(row, 0)
        groups[group.data()] = [
            panel.proxy.index(c, 0, group).data(KEY_ROLE)
            for c in range(panel.proxy.rowCount(group))
        ]
    assert sum(len(v) for v in groups.values()) == len(kernel_library.entries)
    for category, keys in groups.items():
        for key in keys:
            assert (kernel_library.get(key).kernel.category or "Other") == category


def test_search_keeps_matching_filters_only(qtbot, panel, kernel_library):
    qtbot.keyClicks(panel.search, "gauss")
    visible = panel.visible_keys()
    expected = [
        e.key
        for e in kernel_library.entries
        if "gauss"
        in " ".join((e.kernel.name, e.kernel.category, e.kernel.description, e.key)).lower()
    ]
    assert visible and sorted(visible) == sorted(expected)
    panel.search.clear()
    qtbot.keyClicks(panel.search, "no such filter at all")
    assert panel.visible_keys() == []
    panel.search.clear()
    assert len(panel.visible_keys()) == len(kernel_library.entries)


def test_double_click_applies_and_edit_hands_over_the_kernel(qtbot, panel, kernel_library):
    key = kernel_library.entries[0].key
    assert panel.select(key)
    with qtbot.waitSignal(panel.applyRequested) as applied:
        index = panel.tree.currentIndex()
        panel.tree.doubleClicked.emit(index)
    assert applied.args[0] == kernel_library.get(key).kernel
    with qtbot.waitSignal(panel.editRequested) as edited:
        panel.actions_by_name["edit"].trigger()
    assert edited.args[0] == kernel_library.get(key).kernel


def test_save_rename_duplicate_delete_a_user_kernel(qtbot, panel, kernel_library, dialogs):
    kernel = Kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], name="Crisp")
    key = panel.save_kernel(kernel, name="My crisp", category="Mine")
    assert key in panel.visible_keys()
    saved = load_kernel(kernel_library.get(key).path)
    np.testing.assert_array_equal(saved.weights, kernel.weights)
    assert (saved.name, saved.category) == ("My crisp", "Mine")
    assert panel.actions_by_name["delete"].isEnabled()

    dialogs.texts = ["Extra crisp"]
    new_key = panel.rename_selected()
    assert kernel_library.get(new_key).kernel.name == "Extra crisp"
    assert key not in panel.visible_keys() or key == new_key

    copy_key = panel.duplicate_selected()
    assert copy_key != new_key and copy_key in panel.visible_keys()

    panel.select(copy_key)
    dialogs.answers = [dialogs.default_answer.__class__.Cancel]
    assert not panel.delete_selected()
    assert copy_key in panel.visible_keys()
    dialogs.answers = [dialogs.default_answer.__class__.Yes]
    assert panel.delete_selected()
    assert copy_key not in panel.visible_keys()
    assert not kernel_library.get(new_key).path.with_name(f"{copy_key}.json").exists()


def test_builtins_cannot_be_renamed_or_deleted(panel, kernel_library):
    builtin = next(e for e in kernel_library.entries if e.builtin)
    panel.select(builtin.key)
    assert not panel.actions_by_name["delete"].isEnabled()
    assert not panel.actions_by_name["rename"].isEnabled()
    assert panel.actions_by_name["duplicate"].isEnabled()


def test_import_and_export(qtbot, panel, kernel_library, tmp_path, dialogs):
    source = tmp_path / "ridge.txt"
    source.write_text("-1 -1 -1\n-1 8 -1\n-1 -1 -1\n")
    keys = panel.import_files([source])
    assert len(keys) == 1
    imported = kernel_library.get(keys[0]).kernel
    np.testing.assert_array_equal(imported.weights, [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])
    assert any("Normali" in c[2] for c in dialogs.calls)  # ImageJ's note is shown

    panel.select(keys[0])
    out = tmp_path / "out.json"
    assert panel.export_selected(str(out))
    np.testing.assert_array_equal(load_kernel(out).weights, imported.weights)


def test_a_bad_import_says_so_and_keeps_the_library(
    qtbot, panel, kernel_library, tmp_path, dialogs
):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    before = len(kernel_library.entries)
    assert panel.import_files([bad]) == []
    assert dialogs.kinds() == ["warning"]
    assert "bad.json" in dialogs.calls[0][2]
    assert len(kernel_library.entries) == before


def test_unreadable_files_in_the_library_are_reported(qtbot, kernel_library, dialogs):
    user_dir = kernel_library.user_dir if hasattr(kernel_library, "user_dir") else None
    assert user_dir is not None
    user_dir.mkdir(parents=True, exist_ok=True)
    (user_dir / "broken.json").write_text(
        json.dumps({"format": "workbench.kernel", "weights": [[1, 2]]})
    )
    runner = Runner()
    try:
        panel = LibraryPanel(kernel_library, runner)
        qtbot.addWidget(panel)
        assert panel.problems_label.isVisibleTo(panel)
        assert "1 kernel file" in panel.problems_label.text()
        panel.show_problems()
        assert "broken.json" in dialogs.calls[-1][2]
    finally:
        runner.shutdown(3000)


def test_previews_are_computed_in_the_background(qtbot, panel, kernel_library):
    image = np.random.default_rng(0).integers(0, 256, (50, 80, 3), dtype=np.uint8)
    panel.set_image(image)
    qtbot.waitUntil(lambda: not panel.thumbnails.is_busy(), timeout=60_000)
    group = panel.model.item(0, 0)
    first = group.child(0, 0)
    assert not first.icon().isNull()
    assert first.data(Qt.ItemDataRole.DecorationRole) is not None


@pytest.mark.parametrize("shape", [(300, 200, 3), (200, 300, 3), (120, 120), (7, 400, 4)])
def test_previews_have_one_shape_whatever_the_image(shape):
    import threading

    from workbench.gui.library.thumbnails import THUMBNAIL_ASPECT, _thumbnails

    pixels = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    box = Kernel(np.ones((3, 3)), divisor=9)
    image = _thumbnails(lambda f: None, threading.Event(), pixels, [("box", box)])["box"]
    # Rows of the list keep their height when a portrait or square image becomes current.
    assert abs(image.width() / image.height() - THUMBNAIL_ASPECT) < 0.1


def test_save_asks_for_a_name_and_category(qtbot, panel, kernel_library, monkeypatch):
    from workbench.gui.library.save_dialog import KernelSaveDialog

    def fake_exec(dialog):
        assert not dialog._save.isEnabled() or dialog.name_edit.text()
        dialog.name_edit.setText("")
        assert not dialog._save.isEnabled()  # a name is needed
        dialog.name_edit.setText("Soft edges")
        dialog.category_combo.setCurrentText("Mine")
        return True

    monkeypatch.setattr(KernelSaveDialog, "exec", fake_exec)
    key = panel.save_kernel(Kernel([[1, 1, 1]], divisor=3))
    entry = kernel_library.get(key)
    assert (entry.kernel.name, entry.kernel.category) == ("Soft edges", "Mine")
    assert not entry.builtin
    monkeypatch.setattr(KernelSaveDialog, "exec", lambda dialog: False)
    before = len(kernel_library.entries)
    assert panel.save_kernel(Kernel([[1]])) is None
    assert len(kernel_library.entries) == before


def test_export_without_extension_takes_the_chosen_type(qtbot, panel, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from workbench.engine.library import import_kernels

    picked = (str(tmp_path / "sharp"), "GIMP Convolution Matrix preset (*.settings)")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: picked))
    panel.select("sharpen")
    assert panel.export_selected()
    (kernel,), _ = import_kernels(tmp_path / "sharp.settings")
    np.testing.assert_allclose(
        kernel.effective_weights(), panel.selected_entry().kernel.effective_weights()
    )


def test_list_keys_apply_rename_and_delete(qtbot, panel, kernel_library, dialogs):
    key = kernel_library.save(Kernel(np.ones((3, 3)), divisor=9, name="Mine", category="Blur"))
    panel.reload(select=key)
    panel.tree.setFocus()
    applied = []
    panel.applyRequested.connect(applied.append)
    qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    assert [k.name for k in applied] == ["Mine"]

    dialogs.texts.append("Mine renamed")
    qtbot.keyClick(panel.tree, Qt.Key.Key_F2)
    renamed = panel.selected_key()
    assert kernel_library.get(renamed).kernel.name == "Mine renamed"

    dialogs.answers.append(QMessageBox.StandardButton.Yes)
    qtbot.keyClick(panel.tree, Qt.Key.Key_Delete)
    assert renamed not in [e.key for e in kernel_library.entries]


def test_import_and_export_dialogs_start_where_kernels_were_last_chosen(
    qtbot, panel, tmp_path, monkeypatch, dialogs
):
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog

    folder = tmp_path / "my kernels"
    folder.mkdir()
    (folder / "ridge.txt").write_text("-1 -1 -1\n-1 8 -1\n-1 -1 -1\n")
    started = []

    def open_names(parent, caption, start, *rest):
        started.append(start)
        return [str(folder / "ridge.txt")], ""

    def save_name(parent, caption, start, *rest):
        started.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(open_names))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    panel.import_dialog()
    panel.export_selected()  # the imported kernel is selected
    assert Path(started[1]).parent == folder  # not the folder the app was started in
    assert Path(started[1]).name.endswith(".json")
