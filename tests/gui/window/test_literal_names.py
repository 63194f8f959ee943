"""File and kernel names with a "&" show as typed, in tabs and in the Undo menu item."""

from __future__ import annotations

import numpy as np
from user_steps import open_and_wait

from workbench.engine import Kernel
from workbench.engine.imageio import save_image
from workbench.gui.model.filter_settings import FilterSettings


def test_tab_and_undo_show_an_ampersand_as_itself(qtbot, window, tmp_path, small_rgb):
    path = tmp_path / "Tom & Jerry.png"
    save_image(path, small_rgb)
    tab = open_and_wait(qtbot, window, path)
    tabs = window.tabs.tabs
    assert tabs.tabText(tabs.indexOf(tab)) == "Tom && Jerry.png"  # Qt shows "&&" as "&"

    blur = Kernel(np.ones((3, 3)), divisor=9, name="Blur & soften")
    window.edits.apply(FilterSettings(blur))
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    assert tabs.tabText(tabs.indexOf(tab)) == "Tom && Jerry.png*"
    assert window.actions.undo.text() == "&Undo Blur && soften 3x3"
    window.actions.undo.trigger()
    assert window.actions.redo.text() == "&Redo Blur && soften 3x3"
