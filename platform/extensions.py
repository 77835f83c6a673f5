"""Flask extensions, created once and bound in ``create_app``."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


def submitted_email() -> str:
    """Rate-limit key: the e-mail address a sign-in form was submitted for."""
    return (request.form.get("email") or "").strip().lower() or get_remote_address()
