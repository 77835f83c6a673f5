"""Sessions for people (Flask-Login) and password hashing (argon2)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlalchemy import select

from samverkan.platform.db import db, set_user_id

login_manager = LoginManager()
login_manager.login_view = "tenants.sign_in"
login_manager.login_message = _l("Please sign in to continue.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

# A hash to verify against when no such user exists, so that timing reveals nothing.
_DUMMY_PASSWORD = "not-a-real-password-used-for-timing"  # noqa: S105


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["SAMVERKAN_ARGON2_TIME_COST"],
        memory_cost=current_app.config["SAMVERKAN_ARGON2_MEMORY_COST"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; runs a full verification even when there is no hash."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or hasher.hash(_DUMMY_PASSWORD), password) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


@login_manager.user_loader
def _load_user(session_id: str):
    from samverkan.tenants.models import User

    user_id, _, epoch = session_id.partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = db.session.scalar(
        select(User).where(User.id == int(user_id), User.session_epoch == int(epoch))
    )
    if user is not None and user.is_active:
        set_user_id(user.id)
        return user
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
