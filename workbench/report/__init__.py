"""The model-selection report a committee reads: built from run directories, rendered as HTML and markdown."""
