"""Forms of the tenants domain (Flask-WTF: CSRF on every form), one module per area."""
