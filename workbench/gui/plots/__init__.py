"""Plots of our own, drawn with QPainter, shared by the editor, the viewer and the learn dialog.

The diverging colour scale and its legend (:mod:`.colour_scale`), a kernel or any small
grid of numbers as a heat map (:mod:`.heat_map`), and a line plot with linear axes
(:mod:`.line_plot`). Below every feature package: it imports no other part of the GUI.
"""
