"""The kernel editor dock: grid, table model, options and spin boxes."""
