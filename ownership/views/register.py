"""Owner steering pages: register."""
