"""Kernel files: the native JSON format and the formats of other programs."""
