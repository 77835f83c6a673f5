"""API plumbing: flask-smorest under ``/api/v1``, errors as ``application/problem+json``.

What every domain's ``api.py`` gets from here:

- :class:`Blueprint`: flask-smorest's blueprint with our ETags (:func:`etag_for`), ``page`` /
  ``per_page`` pagination with an ``X-Pagination`` header and a ``Link`` header, and tags with
  descriptions for the OpenAPI document.
- :class:`QueryPage`: pages through a SQLAlchemy ``select()`` (the tenant criteria apply).
- :func:`abort_problem` and :func:`abort_validation`: problem documents from views.
- The docs page at ``/api/v1/docs``, rendered by our own template from the OpenAPI document
  (nothing from a CDN, no JavaScript).

Errors on API paths are RFC 9457 problem documents::

    {"type": "about:blank", "title": "Unprocessable Entity", "status": 422,
     "detail": "...", "instance": "/api/v1/t/vasa/organisations",
     "errors": {"name.sv": ["..."], "kind": ["..."]}}

``errors`` maps field names (nested fields joined with dots, flask-smorest's location level
removed) to lists of messages. Other paths keep their HTML error pages.
"""

from __future__ import annotations

import hashlib
import http
import json
import re
from copy import deepcopy
from datetime import UTC, datetime
from functools import wraps

import marshmallow as ma
from flask import Blueprint as FlaskBlueprint
from flask import Flask, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import Api, Page
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.exceptions import NotModified
from flask_smorest.pagination import PaginationMetadataSchema, PaginationParameters
from flask_smorest.utils import prepare_response, unpack_tuple_response
from sqlalchemy import func, select
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType
from werkzeug.http import quote_etag
from werkzeug.routing import IntegerConverter

API_PREFIX = "/api/v1"
PROBLEM_JSON = "application/problem+json"
STATE_CHANGING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX) or request.path.startswith("/oauth/")


# --- problem documents -----------------------------------------------------------------------


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem document (documents the error responses; not used to dump them)."""

    type = ma.fields.String(metadata={"description": "A URI naming the problem type.",
                                      "example": "about:blank"})
    title = ma.fields.String(metadata={"description": "The HTTP status phrase.",
                                       "example": "Unprocessable Entity"})
    status = ma.fields.Integer(metadata={"description": "The HTTP status code.", "example": 422})
    detail = ma.fields.String(metadata={"description": "What went wrong, for a person to read.",
                                        "example": "Check the fields listed in errors."})
    instance = ma.fields.String(metadata={"description": "The path of the request.",
                                          "example": "/api/v1/t/vasa/organisations"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Field name (nested fields joined with dots) to messages; "
                                 "on validation errors (422).",
                  "example": {"name": ["Enter the name in at least one language."]}},
    )
    error = ma.fields.String(metadata={"description": "The OAuth 2 error code on 401 and 403 of "
                                                      "bearer-token requests.",
                                       "example": "invalid_token"})


# marshmallow's own messages (its fields' and validators' defaults are English), so that a
# client reads them in the request's language like every message of ours.
MARSHMALLOW_MESSAGES = {
    "Missing data for required field.": _l("Missing data for required field."),
    "Field may not be null.": _l("Field may not be null."),
    "Invalid value.": _l("Invalid value."),
    "Invalid input.": _l("Invalid value."),
    "Invalid input type.": _l("Invalid input type."),
    "Invalid type.": _l("Invalid input type."),
    "Unknown field.": _l("Unknown field."),
    "Not a valid boolean.": _l("Not a valid boolean."),
    "Not a valid date.": _l("Not a valid date."),
    "Not a valid datetime.": _l("Not a valid date and time."),
    "Not a valid integer.": _l("Not a valid integer."),
    "Not a valid number.": _l("Not a valid number."),
    "Number too large.": _l("Number too large."),
    "Special numeric values (nan or infinity) are not permitted.": _l("Not a valid number."),
    "Not a valid string.": _l("Not a valid string."),
    "Not a valid utf-8 string.": _l("Not a valid string."),
    "Not a valid list.": _l("Not a valid list."),
    "Not a valid mapping type.": _l("Not a valid object."),
    "Not a valid email address.": _l("Not a valid email address."),
    "Not a valid URL.": _l("Not a valid URL."),
    "Not a valid UUID.": _l("Not a valid UUID."),
    "String does not match expected pattern.": _l("Not in the expected format."),
}
MARSHMALLOW_PATTERNS = [
    (re.compile(r"Must be one of: (?P<choices>.*)\.$"), lambda m: _("Must be one of: %(choices)s.", **m)),
    (re.compile(r"Shorter than minimum length (?P<min>\d+)\.$"),
     lambda m: _("Must be at least %(min)s characters long.", **m)),
    (re.compile(r"Longer than maximum length (?P<max>\d+)\.$"),
     lambda m: _("Must be at most %(max)s characters long.", **m)),
    (re.compile(r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"),
     lambda m: _("Must be between %(min)s and %(max)s characters long.", **m)),
    (re.compile(r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"),
     lambda m: _("Must be between %(min)s and %(max)s.", **m)),
    (re.compile(r"Must be greater than or equal to (?P<min>\S+)\.$"),
     lambda m: _("Must be at least %(min)s.", **m)),
    (re.compile(r"Must be less than or equal to (?P<max>\S+)\.$"),
     lambda m: _("Must be at most %(max)s.", **m)),
]


def translate_message(text: str) -> str:
    """``text`` in the request's language when it is one of marshmallow's default messages."""
    known = MARSHMALLOW_MESSAGES.get(text)
    if known is not None:
        return str(known)
    for pattern, render in MARSHMALLOW_PATTERNS:
        match = pattern.match(text)
        if match:
            return render(match.groupdict())
    return text


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"field.sub": [messages]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, texts in flatten_errors(value, name).items():
                flat.setdefault(field, []).extend(texts)
    elif isinstance(messages, list | tuple):
        texts = [translate_message(str(m)) for m in messages if not isinstance(m, dict | list | tuple)]
        if texts:
            flat.setdefault(prefix or "_schema", []).extend(texts)
        for nested in (m for m in messages if isinstance(m, dict | list | tuple)):
            for field, more in flatten_errors(nested, prefix).items():
                flat.setdefault(field, []).extend(more)
    elif messages is not None:
        flat.setdefault(prefix or "_schema", []).append(translate_message(str(messages)))
    return flat


def _field_errors(data: dict) -> dict[str, list[str]] | None:
    if data.get("errors"):
        return flatten_errors(data["errors"])
    messages = data.get("messages")
    if not messages:
        return None
    # flask-smorest (webargs) nests the messages by location: {"json": {...}, "query": {...}}.
    errors: dict[str, list[str]] = {}
    for location_errors in (messages.values() if isinstance(messages, dict) else [messages]):
        for field, texts in flatten_errors(location_errors).items():
            errors.setdefault(field, []).extend(texts)
    return errors


def problem_response(error: HTTPException):
    """An RFC 9457 problem document for ``error``, with field-level ``errors`` where there are."""
    code = error.code or 500
    data = getattr(error, "data", None)
    data = data if isinstance(data, dict) else {}
    extra_headers = data.get("headers") or {}
    extra_headers = list(extra_headers.items()) if isinstance(extra_headers, dict) else list(
        extra_headers)
    if code == 304:
        response = current_app.response_class(status=304)
        for header, value in extra_headers:
            response.headers[header] = value
        return response
    body = {
        "type": "about:blank",
        "title": http.HTTPStatus(code).phrase if code in http.HTTPStatus._value2member_map_
        else error.name,
        "status": code,
        "detail": data.get("message") or (error.description if isinstance(error.description, str)
                                          else None),
        "instance": request.path,
    }
    errors = _field_errors(data)
    if errors:
        body["errors"] = errors
    if data.get("error"):
        body["error"] = data["error"]
    body = {k: v for k, v in body.items() if v is not None}
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=code, mimetype=PROBLEM_JSON
    )
    for header, value in error.get_headers():
        if header.lower() not in {"content-type", "content-length"}:
            response.headers[header] = value
    for header, value in extra_headers:
        response.headers[header] = value
    if code == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = 'Bearer realm="samverkan"'
    response.headers["Cache-Control"] = "no-store"
    return response


def abort_problem(code: int, detail=None, *, errors: dict | None = None, headers: dict | None = None,
                  error: str | None = None):
    """Stop the request with a problem document (``detail`` may be a lazy_gettext string)."""
    from flask_smorest import abort

    kwargs = {}
    if detail is not None:
        kwargs["message"] = str(detail)
    if errors:
        kwargs["errors"] = {field: [str(m) for m in (msgs if isinstance(msgs, list | tuple)
                                                      else [msgs])]
                            for field, msgs in errors.items()}
    if headers:
        kwargs["headers"] = headers
    if error:
        kwargs["error"] = error
    abort(code, **kwargs)


def abort_validation(field: str, message) -> None:
    """422 with one field's message, e.g. for a service's validation error."""
    abort_problem(422, _check_fields_detail(), errors={field: [message]})


def _check_fields_detail() -> str:
    from flask_babel import gettext

    return gettext("Check the fields listed in errors.")


# --- timestamps ------------------------------------------------------------------------------


def _isoformat_utc(value: datetime) -> str:
    """RFC 3339 with its offset, as the OpenAPI ``date-time`` format demands: timestamps are
    stored in UTC, and SQLite hands them back without their zone."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


# Every ``fields.DateTime`` of the API's schemas dumps through this ("iso" is their format).
ma.fields.DateTime.SERIALIZATION_FUNCS = {**ma.fields.DateTime.SERIALIZATION_FUNCS,
                                          "iso": _isoformat_utc, "iso8601": _isoformat_utc}


# --- ETags -----------------------------------------------------------------------------------


def etag_for(data, extra=None) -> str:
    """A strong ETag for a representation: the SHA-256 of its canonical JSON.

    ``data`` is what the response schema dumps (so GET and the If-Match check of PUT agree);
    ``extra`` adds e.g. pagination metadata. Use it through :class:`Blueprint`'s ``etag``
    decorator and ``check_etag(obj, Schema)``, or directly for hand-made responses.
    """
    payload = [data, extra] if extra else data
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- pagination ------------------------------------------------------------------------------


def _pagination_schema(default_page: int, default_per_page: int, max_per_page: int):
    class PaginationArgumentsSchema(ma.Schema):
        class Meta:
            unknown = ma.EXCLUDE

        page = ma.fields.Integer(load_default=default_page, validate=ma.validate.Range(min=1),
                                 metadata={"description": "Page number, from 1."})
        per_page = ma.fields.Integer(
            load_default=default_per_page, validate=ma.validate.Range(min=1, max=max_per_page),
            metadata={"description": f"Items per page (at most {max_per_page})."},
        )

        @ma.post_load
        def make_parameters(self, data, **_kwargs):
            return PaginationParameters(data["page"], data["per_page"])

    return PaginationArgumentsSchema


class QueryPage(Page):
    """Pages through a SQLAlchemy ``select()``; the session's tenant criteria apply."""

    @property
    def items(self):
        from samverkan.platform.db import db

        params = self.page_params
        return db.session.scalars(
            self.collection.offset(params.first_item).limit(params.page_size)
        ).all()

    @property
    def item_count(self):
        from samverkan.platform.db import db

        return db.session.scalar(
            select(func.count()).select_from(self.collection.order_by(None).subquery())
        )


class Blueprint(SmorestBlueprint):
    """flask-smorest's Blueprint with our ETags, pagination and tag descriptions.

    ``tags``: ``[{"name": ..., "description": ...}]`` added to the OpenAPI document's tag list
    (operations name their tag with ``route(..., tags=[...])``).
    """

    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 25, "max_page_size": 100}

    def __init__(self, *args, tags: list[dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.api_tags = tags

    @staticmethod
    def _generate_etag(etag_data, extra_data=None):
        return etag_for(etag_data, extra_data)

    def _check_not_modified(self, etag):
        if request.method in self.METHODS_CHECKING_NOT_MODIFIED and etag in request.if_none_match:
            error = NotModified()
            error.data = {"headers": {"ETag": quote_etag(etag)}}
            raise error

    def paginate(self, pager=None, *, page=None, page_size=None, max_page_size=None):
        """Pagination by ``page`` and ``per_page`` query arguments.

        The response carries ``X-Pagination`` (JSON: total, total_pages, first_page, last_page,
        page, previous_page, next_page) and a ``Link`` header (first, prev, next, last).
        With a ``pager`` (e.g. :class:`QueryPage`) the view returns a ``select()``; without,
        the view gets ``pagination_parameters`` and sets its ``item_count``.
        """
        defaults = self.DEFAULT_PAGINATION_PARAMETERS
        schema = _pagination_schema(page or defaults["page"], page_size or defaults["page_size"],
                                    max_page_size or defaults["max_page_size"])
        error_status = self.PAGINATION_ARGUMENTS_PARSER.DEFAULT_VALIDATION_STATUS

        def decorator(view):
            @wraps(view)
            def wrapper(*args, **kwargs):
                params = self.PAGINATION_ARGUMENTS_PARSER.parse(schema, request, location="query")
                if pager is None:
                    kwargs["pagination_parameters"] = params
                result, status, headers = unpack_tuple_response(
                    current_app.ensure_sync(view)(*args, **kwargs)
                )
                if pager is not None:
                    result = pager(result, page_params=params).items
                if params.item_count is None:
                    raise RuntimeError(f"item_count not set in endpoint {request.endpoint}")
                result, headers = self._set_pagination_metadata(params, result, headers)
                return result, status, headers

            wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
            wrapper._apidoc["pagination"] = {
                "parameters": {"in": "query", "schema": schema},
                "response": {error_status: http.HTTPStatus(error_status).name},
            }
            return wrapper

        return decorator

    def _set_pagination_metadata(self, page_params, result, headers):
        headers = dict(headers or {})
        metadata = self._make_pagination_metadata(
            page_params.page, page_params.page_size, page_params.item_count
        )
        headers[self.PAGINATION_HEADER_NAME] = json.dumps(metadata)
        links = []
        for rel, key in (("first", "first_page"), ("prev", "previous_page"),
                         ("next", "next_page"), ("last", "last_page")):
            if key in metadata:
                links.append(f'<{_page_url(metadata[key], page_params.page_size)}>; rel="{rel}"')
        if links:
            headers["Link"] = ", ".join(links)
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        resp_doc.setdefault("headers", {}).update({
            self.PAGINATION_HEADER_NAME: "PAGINATION",
            "Link": {"description": "RFC 8288 links to the first, prev, next and last pages.",
                     "schema": {"type": "string"}},
        })


def _page_url(page: int, per_page: int) -> str:
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    args["per_page"] = [str(per_page)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


# --- the Api ---------------------------------------------------------------------------------


class SamverkanApi(Api):
    """flask-smorest's Api, answering problem+json on the API and HTML pages elsewhere."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException):
        if not is_api_request():
            from samverkan.platform.views import render_error_page

            return render_error_page(error)
        return problem_response(error)

    def _register_responses(self):
        """Error responses are problem documents (``application/problem+json``)."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_JSON)
            else:
                prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)

    def _register_pagination_header(self):
        """``X-Pagination`` carries JSON: documented as content, not as a simple-style object."""
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata (JSON).",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)

    def _init_spec(self, **kwargs):
        super()._init_spec(**kwargs)
        from samverkan.platform.oauth import API_SCOPES

        # The app's config dict is shared: work on a copy.
        self.spec.options = deepcopy(self.spec.options)
        schemes = self.spec.options.setdefault("components", {}).setdefault("securitySchemes", {})
        flows = schemes.get("oauth2", {}).get("flows", {}).get("clientCredentials")
        if flows is not None:
            flows["scopes"] = _in_english(API_SCOPES)

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register a domain's API blueprint: routes, documentation and tags.

        Bearer-token requests need no CSRF token; the API's own check (see ``init_app``)
        demands one from session requests that change state.
        """
        from samverkan.platform.extensions import csrf

        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
        tags = getattr(blp, "api_tags", None) or [{"name": name, "description": blp.description}]
        known = {tag["name"] for tag in self.spec._tags}
        for tag in tags:
            if tag["name"] not in known:
                self.spec.tag(dict(tag))
        csrf.exempt(blp)
        _api_blueprints(self._app).add(name)


def _in_english(labels: dict) -> dict:
    """Lazy labels as English text (the OpenAPI document's language)."""
    from flask_babel import force_locale

    with force_locale("en"):
        return {name: str(label) for name, label in labels.items()}


def _api_blueprints(app: Flask) -> set[str]:
    return app.extensions.setdefault("samverkan-api-blueprints", set())


def _require_json_body() -> None:
    """415 for a request body that is not JSON on the API (the token endpoint takes forms);
    400 for a body that is not valid JSON and 413 for one over ``MAX_CONTENT_LENGTH``, before
    any view runs, so that a route that reads no body never acts on a broken one."""
    if not request.path.startswith(API_PREFIX + "/") or request.method not in STATE_CHANGING_METHODS:
        return
    has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding")
    if not has_body:
        return
    if not request.is_json:
        raise UnsupportedMediaType(description="Send the request body as application/json.")
    if request.get_json(silent=True) is None:  # reads the body: 413 when it is over the limit
        raise BadRequest(description=_("The request body is not valid JSON."))


def _csrf_for_session_requests() -> None:
    """Session (same-origin) requests that change state need the X-CSRFToken header.

    A request with an ``Authorization`` header is authenticated by that header alone (see
    ``platform/oauth.py``), never by the session cookie, so it needs no CSRF token.
    """
    from samverkan.platform.extensions import csrf

    if request.blueprint not in _api_blueprints(current_app):
        return
    if request.method not in STATE_CHANGING_METHODS or "Authorization" in request.headers:
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    csrf.protect()


# --- the docs page ---------------------------------------------------------------------------

docs_blueprint = FlaskBlueprint("api_docs", __name__)
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@docs_blueprint.get(f"{API_PREFIX}/docs")
def docs_page():
    """The API reference, rendered from the OpenAPI document."""
    return render_template("platform/api_docs.html", reference=api_reference(api.spec.to_dict()))


def _resolve(spec: dict, obj: dict) -> dict:
    seen = 0
    while isinstance(obj, dict) and "$ref" in obj and seen < 10:
        parts = obj["$ref"].lstrip("#/").split("/")
        target = spec
        for part in parts:
            target = target.get(part, {})
        obj = target
        seen += 1
    return obj


def _schema_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _type_of(spec: dict, schema: dict | None) -> dict:
    """A short description of a schema's type, with the name of a referenced schema."""
    schema = schema or {}
    if "$ref" in schema:
        return {"text": _schema_name(schema["$ref"]), "ref": _schema_name(schema["$ref"])}
    if schema.get("allOf") and len(schema["allOf"]) == 1:
        return _type_of(spec, schema["allOf"][0])
    kind = schema.get("type", "object")
    if kind == "array":
        inner = _type_of(spec, schema.get("items"))
        return {"text": inner["text"], "ref": inner["ref"], "array": True}
    text = kind
    if schema.get("format"):
        text = f"{kind} ({schema['format']})"
    if schema.get("nullable"):
        text += " | null"
    return {"text": text, "ref": None, "enum": schema.get("enum")}


def _properties(spec: dict, schema: dict) -> list[dict]:
    required = set(schema.get("required", []))
    rows = []
    for name, prop in (schema.get("properties") or {}).items():
        rows.append({
            "name": name,
            "type": _type_of(spec, prop),
            "required": name in required,
            "read_only": prop.get("readOnly", False),
            "write_only": prop.get("writeOnly", False),
            "description": prop.get("description", ""),
            "example": json.dumps(prop["example"], ensure_ascii=False) if "example" in prop else None,
        })
    return rows


def _content(spec: dict, holder: dict) -> dict | None:
    content = holder.get("content") or {}
    if not content:
        return None
    media_type, media = next(iter(content.items()))
    example = media.get("example")
    if example is None and media.get("examples"):
        example = next(iter(media["examples"].values())).get("value")
    return {
        "media_type": media_type,
        "type": _type_of(spec, media.get("schema")),
        "schema": _resolve(spec, media.get("schema") or {}),
        "example": json.dumps(example, indent=2, ensure_ascii=False) if example is not None else None,
    }


def api_reference(spec: dict) -> dict:
    """The OpenAPI document arranged for reading: operations grouped by tag, then schemas."""
    tags = [{"name": t["name"], "description": t.get("description", ""), "operations": []}
            for t in spec.get("tags", [])]
    by_name = {t["name"]: t for t in tags}
    default_security = spec.get("security", [])
    for path, item in spec.get("paths", {}).items():
        common = item.get("parameters", [])
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = []
            for parameter in common + operation.get("parameters", []):
                parameter = _resolve(spec, parameter)
                parameters.append({
                    "name": parameter.get("name"),
                    "in": parameter.get("in"),
                    "required": parameter.get("required", False),
                    "type": _type_of(spec, parameter.get("schema")),
                    "description": parameter.get("description", ""),
                })
            responses = []
            for code, response in operation.get("responses", {}).items():
                resolved = _resolve(spec, response)
                responses.append({
                    "code": str(code),
                    "description": resolved.get("description", ""),
                    "content": _content(spec, resolved),
                    "headers": sorted((resolved.get("headers") or {}).keys()),
                })
            body = operation.get("requestBody")
            security = operation.get("security", default_security)
            entry = {
                "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": parameters,
                "body": _content(spec, _resolve(spec, body)) if body else None,
                "body_required": bool(body and body.get("required")),
                "responses": responses,
                "security": [{"scheme": name, "scopes": scopes}
                             for requirement in security for name, scopes in requirement.items()],
            }
            for tag in operation.get("tags") or ["default"]:
                if tag not in by_name:
                    by_name[tag] = {"name": tag, "description": "", "operations": []}
                    tags.append(by_name[tag])
                by_name[tag]["operations"].append(entry)
    schemas = [
        {"name": name, "description": schema.get("description", ""),
         "properties": _properties(spec, schema)}
        for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
    ]
    return {
        "title": spec.get("info", {}).get("title", ""),
        "version": spec.get("info", {}).get("version", ""),
        "description": spec.get("info", {}).get("description", ""),
        "tags": [t for t in tags if t["operations"]],
        "schemas": schemas,
        "security_schemes": spec.get("components", {}).get("securitySchemes", {}),
    }


api = SamverkanApi()


def _data_error(error: DataError):
    """A value the database cannot hold (SQLSTATE class 22: a number out of range, a text too
    long) is bad input: 422 on the API, 400 on pages, and the failed transaction is ended."""
    from samverkan.platform.db import db

    db.session.rollback()
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    if not sqlstate.startswith("22"):
        raise error
    if not is_api_request():
        from samverkan.platform.views import render_error_page

        return render_error_page(BadRequest())
    try:
        abort_problem(422, _("A value is out of the range this service stores."))
    except HTTPException as problem:
        return problem_response(problem)


# The largest id the database stores (integer columns: 32 bits on PostgreSQL).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in URLs, up to :data:`MAX_ID`: a larger id matches no route (404) instead of
    reaching the database, which would refuse it (an error, not an answer)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits, min, max, signed)


def init_app(app: Flask) -> None:
    from flask_smorest.spec.plugins import integerconverter2paramschema

    from samverkan.platform import oauth

    # Before any route is added (pages and API alike); documented with its maximum.
    app.url_map.converters["int"] = IdConverter
    if all(converter is not IdConverter for converter, _func in api._converters):
        api.register_converter(IdConverter, integerconverter2paramschema)
    api.init_app(app)
    app.register_error_handler(DataError, _data_error)
    app.before_request(_require_json_body)
    app.before_request(_csrf_for_session_requests)
    app.register_blueprint(docs_blueprint)
    oauth.init_app(app)
