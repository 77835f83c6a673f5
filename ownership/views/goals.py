"""Owner steering pages: goals."""
