"""Take the README's pictures of the three colour options from the app itself.

Run under a display (Xvfb works) from a checkout::

    Xvfb :13 -screen 0 1400x900x24 & DISPLAY=:13 python docs/make_colour_pictures.py

It opens the bundled sample in the real main window, applies each filter through the kernel
editor (its Linear light, Luminance only and Out of range options) with the Apply action,
grabs the image view at 200 % over one part of the image, undoes, and puts each pair side by
side with a caption: docs/colour-space.png, docs/colour-luminance.png, docs/colour-range.png.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw
from PySide6.QtCore import QBuffer, QIODevice

from workbench.engine import Kernel
from workbench.engine.library import KernelLibrary
from workbench.gui.app import create_application, make_settings
from workbench.gui.window.main_window import MainWindow
from workbench.paths import resources_dir

DOCS = Path(__file__).resolve().parent
VIEW = (440, 240)  # the image view's size on screen: 220 x 120 image pixels at 200 %

#: picture: (library kernel name or a kernel, centre of the part shown,
#:           two (caption, editor options))
PICTURES = {
    "colour-space": (
        "box-blur-5x5",
        (440, 130),
        [
            ("Box blur 5x5, stored values (Photoshop, ImageJ)", {}),
            ("Box blur 5x5, linear light (GIMP)", {"linear": True}),
        ],
    ),
    "colour-luminance": (
        "sharpen-strong",
        (1000, 640),
        [
            ("Sharpen (strong) on red, green and blue", {}),
            ("Sharpen (strong), luminance only", {"luminance": True}),
        ],
    ),
    "colour-range": (
        Kernel([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], name="Sobel x"),  # offset 0
        (440, 650),
        [
            ("Sobel x, clipped: only the rising edges", {}),
            ("Sobel x, absolute value: both edges", {"out_range": "abs"}),
        ],
    ),
}


def wait(app, condition, timeout: float = 30.0) -> None:
    start = time.monotonic()
    while not condition():
        app.processEvents()
        if time.monotonic() - start > timeout:
            raise TimeoutError("the app did not finish in time")
        time.sleep(0.01)


def grab(view) -> Image.Image:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    view.viewport().grab().save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")


def caption(shot: Image.Image, text: str) -> Image.Image:
    out = Image.new("RGB", (shot.width, shot.height + 22), "white")
    out.paste(shot, (0, 22))
    ImageDraw.Draw(out).text((4, 4), text, fill="black")
    return out


def main() -> int:
    app = create_application(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        library = KernelLibrary(user_dir=Path(tmp) / "kernels")
        window = MainWindow(make_settings(Path(tmp) / "settings.ini"), library=library)
        window.resize(1300, 860)
        window.show()
        window.open_files([str(resources_dir() / "sample.png")])
        wait(app, lambda: window.current_tab() is not None)
        tab = window.current_tab()
        editor = window.editor
        for name, (kernel_name, (cx, cy), cases) in PICTURES.items():
            shots = []
            for text, options in cases:
                kernel = kernel_name
                if isinstance(kernel, str):
                    kernel = library.get(kernel).kernel
                editor.set_kernel(kernel)
                editor.linear_box.setChecked(options.get("linear", False))
                editor.luminance_box.setChecked(options.get("luminance", False))
                combo = editor.out_range_combo
                combo.setCurrentIndex(combo.findData(options.get("out_range", "clip")))
                steps = tab.document.undo_steps()
                window.actions.apply.trigger()
                wait(app, lambda steps=steps: tab.document.undo_steps() == steps + 1)
                view = tab.view
                view.setFixedSize(*VIEW)
                view.set_zoom(2.0)
                view.centerOn(cx, cy)
                for _ in range(20):
                    app.processEvents()
                    time.sleep(0.02)
                shots.append(caption(grab(view), text))
                window.actions.undo.trigger()
                wait(app, lambda steps=steps: tab.document.undo_steps() == steps)
            pair = Image.new("RGB", (sum(s.width for s in shots) + 8, shots[0].height), "white")
            pair.paste(shots[0], (0, 0))
            pair.paste(shots[1], (shots[0].width + 8, 0))
            pair.save(DOCS / f"{name}.png", optimize=True)
            print(f"wrote docs/{name}.png")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
