"""Owner steering: the ownership register, owner strategies, steering goals decided in weighted
owners' meetings, and their follow-up."""
