"""Models of training_order (filled in by its feature)."""
