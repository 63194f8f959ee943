"""The names of the engine's choices and their defaults, in a module that imports nothing.

A command line offers them (``--border``, ``--strategy``, ``--png-compression``) and
``--help`` lists them without loading numpy; the modules that implement them take their
names and defaults from here.
"""

from __future__ import annotations

__all__ = ["BORDER_MODES", "OUT_RANGES", "PNG_COMPRESSION", "SPACES", "STRATEGY_NAMES"]

#: Border modes (:mod:`workbench.engine.border` says what each does).
BORDER_MODES: tuple[str, ...] = ("reflect", "mirror", "nearest", "wrap", "constant")

#: Correlation strategies (:mod:`workbench.engine.strategies` says what each does).
STRATEGY_NAMES: tuple[str, ...] = ("direct", "separable", "fft", "im2col")

#: The default PNG compression level, 0-9 (:mod:`workbench.engine.png_codec` says why 4).
PNG_COMPRESSION = 4

#: Working spaces: the stored (sRGB-encoded) values, or linear light.
SPACES: tuple[str, ...] = ("perceptual", "linear")

#: What happens to results outside the range: round and clip, absolute value, stretch the
#: result's min..max onto the range, or keep float32.
OUT_RANGES: tuple[str, ...] = ("clip", "abs", "stretch", "float")
