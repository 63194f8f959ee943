"""The window around the images: docks and their saved layout, small screens, Open Recent,
the View and Help menus."""

from __future__ import annotations

from pathlib import Path

from user_steps import open_and_wait


def test_settings_go_to_the_given_store(qtbot, window, image_path, settings):
    open_and_wait(qtbot, window, image_path)
    window.close()
    settings.sync()
    assert Path(settings.fileName()).is_file()
    assert settings.value("window/geometry") is not None


def test_open_recent_lists_files_and_opens_them(qtbot, window, image_path):
    open_and_wait(qtbot, window, image_path)
    window.close_tab(window.current_tab())
    assert window.tabs.count() == 0
    actions = [a for a in window.actions.recent_menu.actions() if a.statusTip()]
    assert [a.statusTip() for a in actions] == [str(image_path.resolve())]
    actions[0].trigger()
    qtbot.waitUntil(lambda: window.tabs.count() == 1, timeout=60_000)


def test_a_recent_file_that_is_gone_says_so_and_leaves_the_menu(qtbot, window, image_path, dialogs):
    open_and_wait(qtbot, window, image_path)
    window.close_tab(window.current_tab())
    image_path.unlink()
    [action] = [a for a in window.actions.recent_menu.actions() if a.statusTip()]
    action.trigger()
    qtbot.waitUntil(lambda: bool(dialogs.calls), timeout=60_000)
    assert dialogs.kinds() == ["warning"] and image_path.name in dialogs.calls[0][2]
    assert window.recent.paths() == []


def test_the_layout_comes_back_next_time(qtbot, settings, kernel_library):
    from workbench.gui.window.main_window import MainWindow

    first = MainWindow(settings, library=kernel_library)
    qtbot.addWidget(first)
    first.show()
    first.library_dock.hide()
    first.close()
    second = MainWindow(settings, library=kernel_library)
    qtbot.addWidget(second)
    second.show()
    assert not second.library_dock.isVisible()
    assert second.editor_dock.isVisible()
    second.close()


def test_the_window_fits_a_small_screen(qtbot, window, image_path):
    # 1024 x 768 laptops, or half of a 1600-pixel screen: docks and image side by side.
    assert window.minimumSizeHint().width() <= 800
    open_and_wait(qtbot, window, image_path)
    assert window.minimumSizeHint().width() <= 800
    assert window.minimumSizeHint().height() <= 600


def test_about_says_what_the_app_is(qtbot, window, dialogs):
    window.actions.about.trigger()
    assert dialogs.kinds() == ["about"] and "convolution filters" in dialogs.calls[0][2]


def test_view_menu_shows_and_hides_the_docks(qtbot, window):
    by_text = {a.text(): a for a in window.actions.view_menu.actions()}
    by_text["Kernel editor"].trigger()
    assert not window.editor_dock.isVisible()
    by_text["Kernel editor"].trigger()
    assert window.editor_dock.isVisible()
    by_text["Filter library"].trigger()
    assert not window.library_dock.isVisible()
