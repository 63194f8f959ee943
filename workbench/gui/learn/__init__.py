"""The learn dialog: example pairs, options, training, result, plots and colour scale."""
