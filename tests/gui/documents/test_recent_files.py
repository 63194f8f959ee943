"""The Open Recent menu: numbered, most recent first, readable names."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu

from workbench.gui.documents.recent_files import RecentFiles


def _labels(settings, paths) -> list[str]:
    recent = RecentFiles(settings)
    for path in reversed(paths):
        recent.add(path)
    menu = QMenu()
    opened = []
    recent.fill_menu(menu, opened.extend)
    actions = [a for a in menu.actions() if a.statusTip()]
    actions[0].trigger()
    assert opened == [str(paths[0].resolve())]
    return [a.text() for a in actions]


def test_names_with_an_ampersand_show_it(qapp, settings, tmp_path):
    labels = _labels(settings, [tmp_path / "Tom & Jerry.png"])
    assert labels == ["&1 Tom && Jerry.png"]  # "&&" is a literal "&" in a menu


def test_the_same_name_in_two_folders_says_which_folder(qapp, settings, tmp_path):
    (tmp_path / "day1").mkdir()
    (tmp_path / "day2").mkdir()
    labels = _labels(settings, [tmp_path / "day2" / "photo.png", tmp_path / "day1" / "photo.png"])
    assert labels == ["&1 photo.png \u2014 day2", "&2 photo.png \u2014 day1"]
