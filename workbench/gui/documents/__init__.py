"""Open images: tabs, document tab, load/save/filter jobs, edits, live preview, recent files."""
