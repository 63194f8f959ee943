"""The app against hostile and unlucky input (issue 12): a message, never an uncaught
exception; the window keeps working."""

from __future__ import annotations

import os

import numpy as np

from workbench.engine import Kernel
from workbench.engine.library import save_kernel


def test_a_bad_kernel_file_gives_a_message_and_leaves_the_editor_alone(
    qtbot, window, tmp_path, dialogs
):
    before = window.editor.kernel()
    for name, text in {
        "huge.json": '{"weights": [[1' + "0" * 309 + "]]}",
        "text.json": '{"weights": [[1]], "divisor": "16"}',
        "offset.json": '{"weights": [[1]], "offset": 1e300}',
    }.items():
        (tmp_path / name).write_text(text)
        window.open_files([str(tmp_path / name)])
        assert dialogs.calls[-1][0] == "warning", dialogs.calls
        assert name in dialogs.calls[-1][2]
    assert window.editor.kernel() == before


def test_a_kernel_file_name_with_a_lone_surrogate(qtbot, window, tmp_path, dialogs):
    name = os.fsdecode(b"k\xff.json")  # a Latin-1 name on a UTF-8 system
    save_kernel(Kernel([[0, 1, 0]]), tmp_path / name)
    window.open_files([str(tmp_path / name)])
    assert window.editor.kernel().weights.tolist() == [[0, 1, 0]]
    bad = os.fsdecode(b"bad\xfe.json")
    (tmp_path / bad).write_text("{")
    window.open_files([str(tmp_path / bad)])
    assert dialogs.calls[-1][0] == "warning"


def test_a_colour_kernel_with_more_than_four_channels(qtbot, window, tmp_path, dialogs):
    before = window.editor.kernel()
    weights = np.zeros((5, 5, 3, 3))
    weights[np.arange(5), np.arange(5), 1, 1] = 1
    save_kernel(Kernel(weights, name="five"), tmp_path / "five.json")
    window.open_files([str(tmp_path / "five.json")])
    assert dialogs.calls and dialogs.calls[-1][0] == "warning", dialogs.calls
    assert "5" in dialogs.calls[-1][2]
    assert window.editor.kernel() == before


def test_opening_a_pipe_is_refused(qtbot, window, tmp_path, dialogs):
    os.mkfifo(tmp_path / "pipe.png")
    os.mkfifo(tmp_path / "pipe.json")
    window.open_files([str(tmp_path / "pipe.png")])
    qtbot.waitUntil(lambda: bool(dialogs.calls), timeout=60_000)
    assert "named pipe" in dialogs.calls[-1][2]
    window.open_files([str(tmp_path / "pipe.json")])
    assert "named pipe" in dialogs.calls[-1][2]


def test_an_image_file_name_with_a_lone_surrogate(qtbot, window, tmp_path, dialogs, small_rgb):
    from workbench.engine.imageio import save_image

    name = os.fsdecode(b"photo\xff.png")
    save_image(tmp_path / name, small_rgb)
    window.open_files([str(tmp_path / name)])
    qtbot.waitUntil(lambda: window.current_tab() is not None, timeout=60_000)
    assert window.windowTitle()
    bad = os.fsdecode(b"bad\xfe.png")
    (tmp_path / bad).write_text("not an image")
    window.open_files([str(tmp_path / bad)])
    qtbot.waitUntil(lambda: bool(dialogs.calls), timeout=60_000)
    assert "bad" in dialogs.calls[-1][2]


def test_importing_a_kernel_file_whose_name_has_a_lone_surrogate(qtbot, window, tmp_path, dialogs):
    name = os.fsdecode(b"preset\xff.txt")  # ImageJ text: the kernel is named after the file
    (tmp_path / name).write_text("0 1 0\n1 -4 1\n0 1 0\n")
    keys = window.library_panel.import_files([tmp_path / name])
    assert len(keys) == 1
    entry = window.library_panel.library.get(keys[0])
    assert entry.kernel.weights.tolist() == [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
    entry.kernel.name.encode("utf-8")  # showable and savable
    assert [k for k in dialogs.kinds() if k == "warning"] == []


def test_importing_bad_kernel_files_gives_one_message(qtbot, window, tmp_path, dialogs):
    (tmp_path / "huge.json").write_text('{"weights": [[1' + "0" * 309 + "]]}")
    os.mkfifo(tmp_path / "pipe.json")
    keys = window.library_panel.import_files([tmp_path / "huge.json", tmp_path / "pipe.json"])
    assert keys == []
    assert dialogs.kinds() == ["warning"]
    assert "huge.json" in dialogs.calls[0][2] and "named pipe" in dialogs.calls[0][2]


def test_the_app_starts_with_bad_files_in_the_user_library(qtbot, settings, tmp_path, dialogs):
    from workbench.engine.library import KernelLibrary
    from workbench.gui.window.main_window import MainWindow

    folder = tmp_path / "user-kernels"
    folder.mkdir()
    (folder / "huge.json").write_text('{"weights": [[1' + "0" * 309 + "]]}")
    (folder / "text.json").write_text('{"weights": [[1]], "divisor": "16"}')
    os.mkfifo(folder / "pipe.json")
    (folder / "mine.json").write_text('{"weights": [[0, 1, 0]], "name": "Mine"}')
    window = MainWindow(settings, library=KernelLibrary(user_dir=folder))
    qtbot.addWidget(window)
    window.show()
    try:
        library = window.library_panel.library
        assert "mine" in library and "gaussian-3x3" in library
        assert {p.name for p, _ in library.problems} == {"huge.json", "text.json", "pipe.json"}
    finally:
        window.close()
        window.runner.shutdown(3000)
