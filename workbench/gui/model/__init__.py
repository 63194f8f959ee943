"""Qt-free models of the app: an image document with its undo history, filter settings."""
