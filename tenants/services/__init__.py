"""Business rules of the tenants domain; the only code that changes its state."""
