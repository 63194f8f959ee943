"""The image document: undo, redo, revert, saved state and the memory-bounded history."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from workbench.gui.model.document import ImageDocument


def _img(value: int, size: int = 10) -> np.ndarray:
    return np.full((size, size, 3), value, np.uint8)


def test_apply_undo_redo_and_modified():
    doc = ImageDocument(_img(0), path=Path("a.png"))
    assert not doc.modified and not doc.can_undo()
    doc.apply(_img(1), "Blur")
    doc.apply(_img(2), "Sharpen")
    assert doc.modified and doc.undo_label() == "Sharpen"
    assert doc.undo() and doc.pixels[0, 0, 0] == 1
    assert doc.redo_label() == "Sharpen"
    assert doc.undo() and doc.pixels[0, 0, 0] == 0
    assert not doc.modified  # back at the saved state
    assert not doc.undo()
    assert doc.redo() and doc.pixels[0, 0, 0] == 1
    doc.apply(_img(5), "Emboss")
    assert not doc.can_redo()  # a new step drops the redo branch


def test_pixels_are_read_only():
    doc = ImageDocument(_img(0))
    assert not doc.pixels.flags.writeable


def test_saving_moves_the_clean_state_even_through_undo():
    doc = ImageDocument(_img(0), path=Path("a.png"))
    doc.apply(_img(1), "Blur")
    state = doc.state_id
    doc.apply(_img(2), "More")
    doc.mark_saved(Path("b.png"), state)  # a background save of the earlier state
    assert doc.modified
    doc.undo()
    assert not doc.modified and doc.name == "b.png"


def test_revert_goes_back_to_the_saved_pixels_as_an_undoable_step():
    doc = ImageDocument(_img(0), path=Path("a.png"))
    doc.apply(_img(1), "Blur")
    assert doc.revert()
    assert doc.pixels[0, 0, 0] == 0 and not doc.modified
    assert doc.undo() and doc.pixels[0, 0, 0] == 1
    assert not ImageDocument(_img(0)).revert()


def test_history_is_bounded_by_memory_but_keeps_one_step():
    one = _img(0, 100).nbytes
    doc = ImageDocument(_img(0, 100), history_bytes=3 * one)
    for i in range(1, 10):
        doc.apply(_img(i, 100), f"step {i}")
    assert doc.history_size() <= 3 * one
    assert doc.undo_steps() == 3
    tiny = ImageDocument(_img(0, 100), history_bytes=1)
    tiny.apply(_img(1, 100), "a")
    tiny.apply(_img(2, 100), "b")
    assert tiny.undo_steps() == 1 and tiny.undo() and tiny.pixels[0, 0, 0] == 1
    # Revert still works after the opened state left the history.
    doc.revert()
    assert doc.pixels[0, 0, 0] == 0


def test_description():
    assert ImageDocument(np.zeros((2, 2), np.uint16)).description == "Gray 16-bit"
    assert ImageDocument(np.zeros((2, 2, 4), np.uint8)).description == "RGBA 8-bit"
    assert ImageDocument(np.zeros((2, 2, 3), np.float32)).description == "RGB 32-bit float"


def test_unsaved_edits_count_the_steps_since_the_save():
    doc = ImageDocument(np.zeros((2, 2), np.uint8), path=Path("a.png"))
    assert doc.unsaved_edits() == 0
    doc.apply(np.ones((2, 2), np.uint8), "one")
    doc.apply(np.full((2, 2), 2, np.uint8), "two")
    assert doc.unsaved_edits() == 2
    doc.undo()
    assert doc.unsaved_edits() == 1
    doc.mark_saved(Path("a.png"))
    assert doc.unsaved_edits() == 0
    doc.undo()  # back before the save: one step away from it
    assert doc.unsaved_edits() == 1
