"""API plumbing: flask-smorest under ``/api/v1``, errors as ``application/problem+json``."""

from __future__ import annotations

from flask import Flask, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/v1"
PROBLEM_JSON = "application/problem+json"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX) or request.path.startswith("/oauth/")


class SamverkanApi(Api):
    """flask-smorest's Api, answering problem+json on the API and HTML pages elsewhere."""

    def handle_http_exception(self, error: HTTPException):
        if not is_api_request():
            from samverkan.platform.views import render_error_page

            return render_error_page(error)
        return problem_response(error)


def problem_response(error: HTTPException):
    """An RFC 9457 problem document with field-level ``errors`` where there are any."""
    from flask import jsonify

    body = {
        "type": "about:blank",
        "title": error.name,
        "status": error.code,
        "detail": error.description if isinstance(error.description, str) else None,
    }
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        # flask-smorest nests by location ("json", "query"); flatten to field names.
        errors = {}
        for location_errors in messages.values():
            if isinstance(location_errors, dict):
                errors.update(location_errors)
        body["errors"] = errors
    elif isinstance(data, dict) and data.get("errors"):
        body["errors"] = data["errors"]
    body = {k: v for k, v in body.items() if v is not None}
    response = jsonify(body)
    response.status_code = error.code or 500
    response.mimetype = PROBLEM_JSON
    for header, value in (data.get("headers") or {}).items() if isinstance(data, dict) else []:
        response.headers[header] = value
    return response


api = SamverkanApi()


def init_app(app: Flask) -> None:
    api.init_app(app)
