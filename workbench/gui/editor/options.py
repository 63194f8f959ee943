"""The kernel editor's options: name, size, divisor, offset, border, channels, alpha, and
the working space, luminance only and the range of the result.

:class:`KernelOptions` lays the option widgets out as a form; the editor reads and connects
them, so the form holds no kernel of its own.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from workbench.engine import BORDER_MODES, Kernel
from workbench.engine.kernel import OUT_RANGES
from workbench.gui.editor.number_spin_box import NumberSpinBox
from workbench.gui.editor.odd_spin_box import OddSpinBox

__all__ = ["KernelOptions"]

_BORDER_LABELS = {
    "reflect": "Reflect (dcba|abcd)",
    "mirror": "Mirror (dcb|abcd)",
    "nearest": "Extend edge (aaa|abcd)",
    "wrap": "Wrap around",
    "constant": "Black (constant 0)",
}
_CHANNEL_NAMES = "RGBA"
_OUT_RANGE_LABELS = {
    "clip": "Clip",
    "abs": "Absolute value",
    "stretch": "Stretch to range",
    "float": "32-bit float",
}


class KernelOptions(QWidget):
    """The form above the kernel grid; its widgets are public for the editor to wire."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("kernelName")
        self.name_edit.setPlaceholderText("Untitled kernel")
        self.rows_spin = OddSpinBox(self)
        self.rows_spin.setObjectName("rowsSpin")
        self.rows_spin.setToolTip("Rows (height), odd: 1 to 63")
        self.cols_spin = OddSpinBox(self)
        self.cols_spin.setObjectName("colsSpin")
        self.cols_spin.setToolTip("Columns (width), odd: 1 to 63")
        self.slice_combo = QComboBox(self)  # colour kernels: which output/input pair
        self.slice_combo.setObjectName("sliceCombo")
        self.slice_combo.setToolTip("A colour kernel mixes channels: pick the pair to edit")

        self.divisor_spin = NumberSpinBox(self)
        self.divisor_spin.setObjectName("divisorSpin")
        self.divisor_spin.setRange(-1e6, 1e6)
        self.divisor_spin.setToolTip("The weighted sum is divided by this (not 0)")
        self.offset_spin = NumberSpinBox(self)
        self.offset_spin.setObjectName("offsetSpin")
        self.offset_spin.setRange(-10000, 10000)
        self.offset_spin.setToolTip("Added after dividing, on the 0..255 scale")
        self.normalise_box = QCheckBox("Normalise", self)
        self.normalise_box.setObjectName("normaliseBox")
        self.normalise_box.setToolTip(
            "Divisor = sum of the weights, as GIMP does (sum 0: offset 128 so edges stay "
            "visible; negative sum: offset 255)"
        )
        self.border_combo = QComboBox(self)
        self.border_combo.setObjectName("borderCombo")
        for mode in BORDER_MODES:
            self.border_combo.addItem(_BORDER_LABELS.get(mode, mode), mode)
        self.border_combo.setToolTip("How pixels beyond the image edge are made up")

        self.channel_boxes: dict[str, QCheckBox] = {}
        channels_row = QHBoxLayout()
        channels_row.setSpacing(8)
        for letter in _CHANNEL_NAMES:
            box = QCheckBox(letter, self)
            box.setObjectName(f"channel{letter}")
            box.setChecked(letter != "A")
            self.channel_boxes[letter] = box
            channels_row.addWidget(box)
        self.channel_boxes["A"].setToolTip("Filter the alpha channel too")
        channels_row.addStretch(1)
        self.alpha_box = QCheckBox("Alpha weighting", self)
        self.alpha_box.setObjectName("alphaWeightingBox")
        self.alpha_box.setChecked(True)
        self.alpha_box.setToolTip("Weight colour by alpha so transparent pixels leave no fringe")

        self.linear_box = QCheckBox("Linear light", self)
        self.linear_box.setObjectName("linearLightBox")
        self.linear_box.setToolTip(
            "Filter in linear light, as GIMP does (sRGB decoded, filtered, encoded back); "
            "off: filter the stored values, as Photoshop, ImageJ and OpenCV do"
        )
        self.luminance_box = QCheckBox("Luminance only", self)
        self.luminance_box.setObjectName("luminanceBox")
        self.luminance_box.setToolTip(
            "Filter the brightness (Rec. 709 luma) only and keep the colours: sharpening "
            "without colour fringes"
        )
        self.out_range_combo = QComboBox(self)
        self.out_range_combo.setObjectName("outRangeCombo")
        for mode in OUT_RANGES:
            self.out_range_combo.addItem(_OUT_RANGE_LABELS[mode], mode)
        self.out_range_combo.setToolTip(
            "Results below black or above white: clip them, take the absolute value (both "
            "edges of a Sobel show), stretch the result's range onto the full range, or keep "
            "them in a 32-bit float image"
        )

        size_row = QHBoxLayout()
        size_row.addWidget(self.rows_spin)
        size_row.addWidget(QLabel("\u00d7", self))
        size_row.addWidget(self.cols_spin)
        size_row.addStretch(1)
        divisor_row = QHBoxLayout()
        divisor_row.addWidget(self.divisor_spin, 1)
        divisor_row.addWidget(self.normalise_box)

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Name", self.name_edit)
        # Short, so a narrow dock still shows the fields; the spin boxes say which is which.
        form.addRow("Size", size_row)
        self._slice_label = QLabel("Channels", self)
        form.addRow(self._slice_label, self.slice_combo)
        form.addRow("Divisor", divisor_row)
        form.addRow("Offset", self.offset_spin)
        form.addRow("Border", self.border_combo)
        form.addRow("Filter channels", channels_row)
        # Under the channel boxes: what is filtered of them, and in which light.
        how_row = QHBoxLayout()
        how_row.setSpacing(8)
        how_row.addWidget(self.luminance_box)
        how_row.addWidget(self.linear_box)
        how_row.addStretch(1)
        form.addRow("", self.alpha_box)
        form.addRow("", how_row)
        form.addRow("Out of range", self.out_range_combo)

    def channels(self) -> str:
        """The ticked channels, e.g. ``"RGB"``."""
        return "".join(c for c, box in self.channel_boxes.items() if box.isChecked())

    def show_slices(self, kernel: Kernel) -> None:
        """List a colour kernel's output/input pairs; hide the choice for other kernels."""
        self.slice_combo.clear()
        colour = kernel.is_color
        self.slice_combo.setVisible(colour)
        self._slice_label.setVisible(colour)
        if not colour:
            return
        n_out, n_in = kernel.weights.shape[:2]
        for o in range(n_out):
            for i in range(n_in):
                self.slice_combo.addItem(
                    f"{_CHANNEL_NAMES[o]} out from {_CHANNEL_NAMES[i]} in", (o, i)
                )
