"""Drawing only: rich terminal renderables, text formats and matplotlib figures, read from feature results."""
