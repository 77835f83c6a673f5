"""Benchmark instrumentation, active only when ``SAMVERKAN_BENCH`` is set.

- Every response carries ``X-Query-Count``: the SQL statements the request executed (including
  the row-level security settings at the start of each transaction).
- ``/bench/floor/<tenant slug>`` is the floor of the benchmark: one query by a unique index (the
  tenant by its slug) and a small template render, without sign-in. Every endpoint of
  ``make bench`` is also read as a ratio to this page's latency.

The load driver is ``tests/bench_load.py`` (``make bench``).
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, g, has_request_context, render_template_string
from flask.wrappers import Response
from flask_babel import gettext as _
from sqlalchemy import event, select

from samverkan.platform.db import db

blueprint = Blueprint("bench", __name__)

FLOOR_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ locale }}">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1><p>{{ name }}</p></main></body>
</html>"""


@blueprint.get("/bench/floor/<name>")
def floor(name: str):
    """One indexed query and a template render: the floor of the benchmark."""
    from samverkan.tenants.models import Tenant

    row = db.session.execute(
        select(Tenant.name, Tenant.default_locale).where(Tenant.slug == name)).first()
    if row is None:
        abort(404)
    return render_template_string(FLOOR_TEMPLATE, locale=row.default_locale,
                                  title=_("Benchmark floor"),
                                  name=row.name.get(row.default_locale, name))


def _count_statement(*_args, **_kwargs) -> None:
    if has_request_context():
        g.bench_queries = g.get("bench_queries", 0) + 1


def _add_query_count(response: Response) -> Response:
    response.headers["X-Query-Count"] = str(g.get("bench_queries", 0))
    return response


def init_app(app: Flask) -> None:
    """Count statements per request and serve the floor page (benchmark runs only)."""
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count_statement)
    app.after_request(_add_query_count)
    app.register_blueprint(blueprint)
