"""Models of dialogue (filled in by its feature)."""
