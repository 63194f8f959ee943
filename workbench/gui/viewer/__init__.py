"""Showing one image: the zoomable view, its canvas, display conversion, the compare key."""
