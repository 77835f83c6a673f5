"""Platform pages: start, health, error pages and the demo outbox."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import text
from werkzeug.exceptions import HTTPException, InternalServerError

from samverkan.platform.db import db
from samverkan.platform.jobs import redis_state

blueprint = Blueprint("platform", __name__)


@blueprint.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("tenants.tenant_picker"))
    return redirect(url_for("tenants.sign_in"))


@blueprint.get("/healthz")
def healthz():
    """Database and Redis state as JSON; 503 when the database does not answer."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # any failure to answer means the same here
        db.session.rollback()
        database = "unavailable"
    redis = redis_state(current_app)
    healthy = database == "ok" and redis != "unavailable"
    body = {"status": "ok" if healthy else "degraded", "database": database, "redis": redis}
    return jsonify(body), 200 if database == "ok" else 503


@blueprint.get("/dev/outbox")
def outbox():
    """Mail the embedded demo would have sent; only in demo or debug mode."""
    if not (current_app.config.get("SAMVERKAN_DEMO") or current_app.debug):
        abort(404)
    from samverkan.platform.mail import read_outbox

    return render_template("platform/outbox.html", messages=read_outbox())


ERROR_TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("That action is not possible here"),
    409: _l("Someone else changed this at the same time"),
    412: _l("Someone else changed this at the same time"),
    413: _l("The file or form is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("The service is temporarily unavailable"),
}
ERROR_TEXTS = {
    400: _l("Check what you entered and try again. If the form had expired, reload the page."),
    403: _l("Your roles in this organisation do not allow this. Ask an administrator if you "
            "need access."),
    404: _l("The address may be mistyped, or the page may have been removed."),
    405: _l("Go back and use the buttons on the page."),
    409: _l("Reload the page to see the latest version, then make your change again."),
    412: _l("Reload the page to see the latest version, then make your change again."),
    413: _l("Upload a smaller file or shorten the text."),
    429: _l("For your security, wait a few minutes before you try again."),
    500: _l("The error has been logged. Try again in a moment."),
    503: _l("Try again in a moment."),
}


def error_title(code: int) -> str:
    return str(ERROR_TITLES.get(code, ERROR_TITLES[500 if code >= 500 else 400]))


def error_text(code: int) -> str:
    return str(ERROR_TEXTS.get(code, ERROR_TEXTS[500 if code >= 500 else 400]))


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def render_error_page(error: HTTPException):
    code = error.code or 500
    if g.get("tenant") is not None:
        from samverkan.tenants.permissions import current_principal

        if current_principal() is None:
            # Not a member: the page must not show the tenant's name (or that it exists).
            g.tenant = None
    return render_template("platform/error.html", error=error, code=code), code


def _handle_unexpected(error: Exception):
    from samverkan.platform.api import is_api_request, problem_response

    if isinstance(error, HTTPException):
        return problem_response(error) if is_api_request() else render_error_page(error)
    if current_app.testing:
        raise error
    current_app.logger.exception("unhandled error")
    db.session.rollback()
    if is_api_request():
        return problem_response(InternalServerError())
    return render_error_page(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.register_error_handler(Exception, _handle_unexpected)
    app.jinja_env.globals.update(
        error_title=error_title, error_text=error_text, has_endpoint=has_endpoint
    )
