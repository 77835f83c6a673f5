"""Models of spot_check (filled in by its feature)."""
