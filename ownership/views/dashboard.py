"""Owner steering pages: dashboard."""
