"""Owner steering pages: meetings."""
