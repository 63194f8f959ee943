"""The kernel library dock: panel, model, thumbnails, kernel file and save dialogs."""
