"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from samverkan.platform.app import create_app

app = create_app()
