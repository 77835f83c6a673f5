"""Hostile input: CSRF on every state-changing page and API route, upload limits and types,
stored XSS in every per-locale text, SQL-injection strings in filters, oversized and malformed
JSON bodies.

One world serves all of it: a municipality ``vasa`` with a row in every table of owner
steering, partnership, authorisation, purchasing, spot checks, training orders and quality
dialogues, and an association ``forbundet`` with a project and a library, both managed by one
person with the broad roles.
"""

from __future__ import annotations

import inspect
import io
import json
import re
from collections import deque
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import JSON, Text, create_engine, select, update

from samverkan.platform.api import API_PREFIX
from samverkan.platform.app import create_app
from samverkan.platform.db import db

EMAIL = "boss@example.org"
PASSWORD = "correct horse battery"
MAX_BODY = 256 * 1024  # MAX_CONTENT_LENGTH of these tests
MAX_FILE = 64 * 1024  # SAMVERKAN_DOCUMENT_MAX_BYTES of these tests
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture
def app_config(app_config):
    return {**app_config, "MAX_CONTENT_LENGTH": MAX_BODY, "SAMVERKAN_DOCUMENT_MAX_BYTES": MAX_FILE}


def build_world(factory) -> SimpleNamespace:
    """The two tenants, a row in every table, and the person who manages them."""
    vasa = factory.tenant("vasa")
    forbundet = factory.tenant("forbundet", kind="association")
    user = factory.user(EMAIL, tenant=vasa, roles=["admin", "purchaser", "viewer"], locale="en")
    factory.membership(forbundet, user, ["admin", "coordinator"])
    authorised = factory.organisation(vasa, kind="provider")
    _approve(factory.app, vasa, authorised.id)
    return SimpleNamespace(
        authorised=authorised.id,
        vasa=vasa, forbundet=forbundet,
        steering=factory.ownership_steering(vasa),
        partnership=factory.partnership_rows(vasa),
        authorisation=factory.authorisation_rows(vasa),
        purchasing=factory.purchasing_rows(vasa),
        spot_checks=factory.spot_check_rows(vasa),
        training_orders=factory.training_order_rows(vasa),
        dialogues=factory.dialogue_rows(vasa),
        projects=factory.project_rows(forbundet),
        library=factory.library_rows(forbundet),
    )


def _approve(app, tenant, organisation_id: int) -> None:
    """An approved authorisation of the provider (its enrolments may be imported)."""
    from samverkan.partnership.authorisation_models import AuthorisationApplication
    from samverkan.platform.db import tenant_scope

    with app.app_context(), tenant_scope(tenant.id):
        db.session.add(AuthorisationApplication(tenant_id=tenant.id, status="approved",
                                                organisation_id=organisation_id))
        db.session.commit()


@pytest.fixture
def world(factory) -> SimpleNamespace:
    return build_world(factory)


@pytest.fixture
def member(app, world):
    client = app.test_client()
    response = client.post("/signin", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _rules(app, methods: set[str]):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.methods & methods),
                  key=lambda rule: rule.rule)


def _is_api(rule) -> bool:
    return rule.rule.startswith(API_PREFIX) or rule.rule.startswith("/oauth/")


def _fill(rule, slug: str = "vasa", ids: dict | None = None) -> str:
    """A URL of ``rule``: the tenant's slug, ``ids`` by argument name (else 1), text args 'x'."""
    ids = ids or {}

    def value(match: re.Match) -> str:
        converter, name = match["converter"], match["name"]
        if name == "slug":
            return slug
        return str(ids.get(name, 1 if converter == "int" else "x"))

    return re.sub(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>[a-z_]+)>", value, rule.rule)


def _files_under(*folders: str) -> set[str]:
    found = set()
    for folder in folders:
        root = Path(folder)
        if root.exists():
            found |= {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    return found


# --- CSRF ----------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(app_config, world):
    """The app with CSRF protection on, as in production."""
    application = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    yield application
    with application.app_context():
        db.engine.dispose()


def _csrf_signed_in(csrf_app):
    client = csrf_app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    response = client.post("/signin", data={"email": EMAIL, "password": PASSWORD,
                                            "csrf_token": token})
    assert response.status_code == 302
    return client, token


def test_every_state_changing_page_refuses_a_post_without_csrf_token(csrf_app, snapshots,
                                                                     summary):
    client, _token = _csrf_signed_in(csrf_app)
    anonymous = csrf_app.test_client()
    rules = [r for r in _rules(csrf_app, {"POST", "PUT", "PATCH", "DELETE"}) if not _is_api(r)]
    assert len(rules) > 100
    before = snapshots.take()
    for rule in rules:
        for who in (client, anonymous):
            for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
                response = who.open(_fill(rule), method=method,
                                    data={"title": "x", "confirm": "y", "decision": "approve"})
                assert response.status_code == 400, (rule.rule, method, response.status_code)
                assert response.mimetype == "text/html"
    assert snapshots.changes(before, snapshots.take()) == {}
    # The session survived every refused request (sign-out was refused too).
    assert client.get("/t/vasa/").status_code == 200
    summary(f"CSRF: {len(rules)} state-changing page routes refuse a POST without token")


def test_every_api_write_refuses_a_session_request_without_csrf_token(csrf_app, snapshots,
                                                                      summary):
    """A session (cookie) request to the API must carry X-CSRFToken; with it, it is not refused."""
    client, token = _csrf_signed_in(csrf_app)
    rules = [r for r in _rules(csrf_app, {"POST", "PUT", "PATCH", "DELETE"})
             if r.rule.startswith(API_PREFIX)]
    assert len(rules) > 50
    before = snapshots.take()
    for rule in rules:
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            response = client.open(_fill(rule), method=method, json={})
            assert response.status_code == 400, (rule.rule, method, response.status_code)
            assert response.mimetype == "application/problem+json"
            assert "CSRF" in response.get_json()["detail"]
    assert snapshots.changes(before, snapshots.take()) == {}
    # The token in the header passes the CSRF check (and the request goes on to validation).
    answer = client.post("/api/v1/t/vasa/organisations", json={}, headers={"X-CSRFToken": token})
    assert answer.status_code == 422
    summary(f"CSRF: {len(rules)} API write routes refuse a session request without token")


# --- uploads -------------------------------------------------------------------------------


def _upload_routes(world) -> dict:
    """Each upload form: (URL, form fields, name of the file field)."""
    p, a = world.partnership, world.authorisation
    return {
        "agreement document": (
            f"/t/vasa/partnership/agreements/{p['agreement']}/documents/upload",
            {"doc_type": "agreement", "title": "Avtal"}, "file"),
        "project document": (
            f"/t/forbundet/projects/{world.projects['project']}/documents/new",
            {"document-doc_type": "plan", "document-title": "Plan"}, "document-file"),
        "authorisation attachment": (
            f"/t/vasa/partnership/authorisation/applications/{a['application']}/attachments"
            f"?answer_id={a['answer']}",
            {"answer_id": str(a["answer"])}, "file"),
        "report import": (
            f"/t/vasa/partnership/agreements/{p['agreement']}/import",
            {"organisation_id": str(p["provider"]), "period_id": str(p["period"])}, "file"),
        "enrolment import": (
            "/t/vasa/partnership/compensation/enrolments/import",
            {"organisation_id": str(world.authorised)}, "file"),
        "invoice import": (
            "/t/vasa/partnership/invoices/import",
            {"organisation_id": str(world.purchasing["provider"]), "received_on": "2025-02-05"},
            "file"),
    }


UPLOADS = ["agreement document", "project document", "authorisation attachment", "report import",
           "enrolment import", "invoice import"]
DOCUMENTS = UPLOADS[:3]


def _upload(client, world, kind: str, content: bytes, filename: str):
    url, fields, file_field = _upload_routes(world)[kind]
    return client.post(url, content_type="multipart/form-data",
                       data={**fields, file_field: (io.BytesIO(content), filename)})


def _stored(app) -> set[str]:
    return _files_under(app.config["SAMVERKAN_DOCUMENT_PATH"], app.config["SAMVERKAN_UPLOAD_PATH"])


WRONG_FILES = [
    (EXE, "setup.exe"),
    (EXE, "innocent.pdf"),
    (EXE, "values.xlsx"),
    (EXE, "values.csv"),
    (b"<html><script>alert(1)</script></html>", "page.html"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image.svg"),
]


@pytest.mark.parametrize("kind", UPLOADS)
def test_upload_limits_and_types(app, world, member, snapshots, translate, kind):
    """Over the request limit: 413 with the page's message; a document over the file limit: a
    form error; a file of the wrong type, or whose content is not what its name says: refused.
    Nothing is stored in any case, and the same route takes a good file."""
    before, files = snapshots.take(), _stored(app)
    [too_large] = translate(app, "en", "The file or form is too large")
    name = "big.pdf" if kind in DOCUMENTS else "big.csv"
    response = _upload(member, world, kind, b"a;b\n" * (MAX_BODY // 4 + 10), name)
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert too_large in page or "The file is too large: at most" in page

    if kind in DOCUMENTS:
        response = _upload(member, world, kind, PDF + b"0" * MAX_FILE, "big.pdf")
        assert response.status_code in {400, 413}
        assert "The file is too large: at most" in response.get_data(as_text=True)

    for content, filename in WRONG_FILES:
        response = _upload(member, world, kind, content, filename)
        assert response.status_code == 400, (kind, filename, response.status_code)
        assert response.mimetype == "text/html"
    assert snapshots.changes(before, snapshots.take()) == {}
    assert _stored(app) == files

    if kind in DOCUMENTS:
        response = _upload(member, world, kind, PDF, "ok.pdf")
        assert response.status_code in {302, 303}, response.get_data(as_text=True)[:300]
        assert len(_stored(app)) == len(files) + 1
    else:
        # A well-formed CSV with the wrong columns: read and refused, or a failed import job.
        response = _upload(member, world, kind, b"x;y\n1;2\n", "ok.csv")
        assert response.status_code in {303, 400}, response.status_code


# --- stored XSS ----------------------------------------------------------------------------

LOCALE_KEYS = {"sv", "fi", "en"}
NOT_TEXT = {"settings", "demand_weights", "indexation", "content", "breakdown"}
SKIP_TABLES = {"audit_entries", "job_runs", "alembic_version"}


def _payload(marker: str) -> str:
    return f'<script>alert("{marker}")</script>"\'><img src=x onerror=alert(1)>'


def _poison_every_translated_text(admin_url: str) -> dict[str, str]:
    """Write the payload into every per-locale JSON text and every free text (``Text``) column
    of every row; returns marker -> column."""
    from samverkan.platform.app import import_models

    import_models()
    markers = {}
    engine = create_engine(admin_url)
    try:
        with engine.begin() as connection:
            for table in db.metadata.sorted_tables:
                if table.name in SKIP_TABLES:
                    continue
                primary = list(table.primary_key.columns)
                for column in table.columns:
                    free_text = type(column.type) is Text  # notes, findings, answers
                    if column.name in NOT_TEXT or not (free_text or isinstance(column.type, JSON)):
                        continue
                    marker = f"xss-{table.name}-{column.name}"
                    text = _payload(marker)
                    for row in connection.execute(select(*primary, column)).all():
                        value = row[-1]
                        if free_text:
                            new = text
                        elif isinstance(value, dict) and set(value) <= LOCALE_KEYS:
                            new = {"sv": text, "fi": text, "en": text}
                        else:
                            continue
                        where = [c == v for c, v in zip(primary, row[:-1], strict=True)]
                        connection.execute(update(table).where(*where).values({column.name: new}))
                        markers[marker] = f"{table.name}.{column.name}"
    finally:
        engine.dispose()
    return markers


UNESCAPED = re.compile(r"<script>alert|<img src=x onerror", re.IGNORECASE)
SKIP_LINKS = re.compile(r"\.(csv|xlsx|pdf|js)(\?|$)|/documents/\d+$|/attachments/\d+$|/export|"
                        r"lang=|/signout|/template")


def _crawl(client, starts: list[str], limit: int = 700) -> tuple[dict[str, str], int]:
    """Every same-site page reachable from ``starts`` (GET only); returns path -> HTML."""
    queue, seen, pages = deque(starts), {start.split("?", 1)[0] for start in starts}, {}
    errors = []
    while queue and len(pages) < limit:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code >= 500:
            errors.append(path)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        pages[path] = html
        for href in re.findall(r'href="(/[^"#]*)"', html):
            href = href.replace("&amp;", "&")
            page_of = href.split("?", 1)[0]  # one visit per page, not per sort order or filter
            if page_of not in seen and not SKIP_LINKS.search(href) and not href.startswith(
                    "/static"):
                seen.add(page_of)
                queue.append(href)
    assert not errors, errors
    return pages, len(seen)


def test_stored_xss_in_every_text_is_rendered_escaped(app, database, world, member,
                                                                 summary):
    markers = _poison_every_translated_text(database["admin"])
    assert len(markers) >= 25, markers
    starts = [_fill(rule, slug) for slug in ("vasa", "forbundet")
              for rule in _rules(app, {"GET"})
              if set(rule.arguments) <= {"slug"} and rule.rule.startswith("/t/")]
    pages, _seen = _crawl(member, ["/tenants?all=1", *starts])
    anonymous, _ = _crawl(app.test_client(), ["/t/vasa/register", "/signin"], limit=20)
    pages.update({f"anonymous {path}": html for path, html in anonymous.items()})

    shown = set()
    for path, html in pages.items():
        match = UNESCAPED.search(html)
        assert match is None, (path, html[max(0, match.start() - 200):match.end() + 100])
        shown |= {marker for marker in markers if marker in html}
    # Every model kind with per-locale texts is shown somewhere, escaped.
    expected = {
        "tenants.name", "organisations.name", "steering_goals.title", "owner_strategies.title",
        "goal_themes.name", "owners_meetings.agenda", "agreements.title",
        "agreement_commitments.text", "indicators.name", "authorisation_criteria.text",
        "projects.name", "project_milestones.title", "project_events.title",
        "indicator_templates.name", "agreement_templates.name", "quality_dialogues.agenda",
        "dialogue_agenda_items.text", "training_orders.specification",
        "follow_up_actions.description", "application_answers.answer",
        "guidance_observations.text", "spot_check_items.finding", "training_offers.description",
    }
    rendered = {markers[m] for m in shown}
    assert expected <= set(markers.values()), expected - set(markers.values())
    assert expected <= rendered, sorted(expected - rendered)
    # The API hands the same text back as data (application/json, nosniff), never as a page.
    response = member.get(f"/api/v1/t/vasa/agreements/{world.partnership['agreement']}")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>alert" in json.dumps(response.get_json(), ensure_ascii=False)
    summary(f"stored XSS: {len(pages)} pages crawled, {len(rendered)} of {len(markers)} "
            f"per-locale and free text columns shown, all escaped; not shown on a crawled page: "
            f"{', '.join(sorted(set(markers.values()) - rendered)) or 'none'}")


# --- SQL injection in filter parameters ------------------------------------------------------

INJECTIONS = ["' OR 1=1 --", "1; DROP TABLE users",
              "%' UNION SELECT email, password_hash, 1 FROM users --"]
COMMON_PARAMETERS = {"q", "sort", "page", "status"}


def _parameters_of(view) -> set[str]:
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return set()
    return set(re.findall(r'args\.get(?:list)?\(\s*"([a-z_]+)"', source)) | set(
        re.findall(r'args\["([a-z_]+)"\]', source))


def _row_count(response) -> int | None:
    """Rows in a response: table rows of a page, items of a JSON list, lines of a CSV file."""
    if response.mimetype == "application/json":
        data = response.get_json()
        if isinstance(data, list):
            return len(data)
        if isinstance(data, dict):
            return max((len(v) for v in data.values() if isinstance(v, list)), default=0)
        return 0
    if response.mimetype == "text/html":
        return len(re.findall(r"<tr\b", response.get_data(as_text=True)))
    if response.mimetype == "text/csv":
        return response.get_data().count(b"\n")
    return None


def _api_query_parameters(app) -> dict[str, set[str]]:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    found = {}
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        names = {p["name"] for p in get.get("parameters", []) + operations.get("parameters", [])
                 if p.get("in") == "query"}
        flask_path = re.sub(r"\{([a-z_]+)\}", r"<\1>", path)
        found[flask_path] = names
    return found


def test_sql_injection_strings_in_filters_change_nothing_and_leak_nothing(app, world, member,
                                                                          snapshots, summary):
    api_parameters = _api_query_parameters(app)
    checked = 0
    routes = 0
    before = snapshots.take()
    for rule in _rules(app, {"GET"}):
        if not set(rule.arguments) <= {"slug"} or rule.endpoint == "static":
            continue
        if rule.rule.startswith(API_PREFIX):
            flask_rule = re.sub(r"<[a-z]+:([a-z_]+)>", r"<\1>", rule.rule)
            names = api_parameters.get(flask_rule.removeprefix(""), set())
            names = names or api_parameters.get(rule.rule, set())
        elif rule.rule.startswith("/t/"):
            names = _parameters_of(app.view_functions[rule.endpoint]) | COMMON_PARAMETERS
        else:
            continue
        names -= {"lang", "next", "format"}
        for slug in ("vasa", "forbundet"):
            url = _fill(rule, slug)
            clean = member.get(url)
            if clean.status_code != 200:
                continue  # a page of the other tenant's kind
            routes += 1
            baseline = _row_count(clean)
            for injection in INJECTIONS:
                # Every filter at once; where that is refused, each filter on its own.
                query = dict.fromkeys(sorted(names), injection)
                answers = [(query, member.get(url, query_string=query))]
                if answers[0][1].status_code >= 400 and len(names) > 1:
                    answers += [({name: injection}, member.get(url, query_string={name: injection}))
                                for name in sorted(names)]
                for query, response in answers:
                    checked += 1
                    where = (url, query)
                    assert response.status_code < 500, where
                    assert b"$argon2" not in response.get_data(), where
                    if response.status_code >= 400 and rule.rule.startswith(API_PREFIX):
                        assert response.mimetype == "application/problem+json", where
                    if response.status_code == 200 and baseline is not None:
                        assert _row_count(response) <= baseline, where
            break  # one tenant per route
    # Nothing changed: every table is there with the same rows ("DROP TABLE users" included).
    assert snapshots.changes(before, snapshots.take()) == {}
    assert routes > 60 and checked > 250
    summary(f"SQL injection: {checked} requests on {routes} list pages and API lists, "
            "no server error, no extra rows")


# --- JSON bodies on the API ------------------------------------------------------------------


MALFORMED = ['{"title": ', "[1, 2", "{'single': 'quotes'}", "nul", '{"a": 1}}', "\x00\x01",
             '{"title": {"sv": "x"}, "title": }']


def _api_writes(app):
    for rule in _rules(app, {"POST", "PUT", "PATCH", "DELETE"}):
        if rule.rule.startswith(API_PREFIX):
            for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
                yield rule, method


def _ids(world) -> dict:
    p = world.partnership
    return {"agreement_id": p["agreement"], "indicator_id": p["indicator"],
            "commitment_id": p["commitment"], "party_id": p["party"], "outcome_id": p["report"],
            "goal_id": world.steering.get("goal", 1),
            "application_id": world.authorisation["application"],
            "organisation_id": world.purchasing["provider"],
            "order_id": world.training_orders["order"],
            "spot_check_id": world.spot_checks["spot_check"],
            "sample_id": world.spot_checks["item"], "action_id": world.purchasing["action"]}


def test_malformed_json_is_400_problem_and_writes_nothing(app, world, member, snapshots, summary):
    before = snapshots.take()
    ids = _ids(world)
    count = 0
    for rule, method in _api_writes(app):
        url = _fill(rule, "vasa", ids)
        for body in MALFORMED:
            # With an If-Match (a stale one): the precondition is there, the body is judged.
            response = member.open(url, method=method, data=body, headers={"If-Match": '"x"'},
                                   content_type="application/json")
            count += 1
            assert response.status_code == 400, (method, url, body, response.status_code,
                                                 response.get_data(as_text=True)[:200])
            assert response.mimetype == "application/problem+json"
            assert response.get_json()["status"] == 400
    assert snapshots.changes(before, snapshots.take()) == {}
    summary(f"JSON bodies: {count} malformed bodies on API writes answered 400, nothing written")


def test_an_oversized_json_body_is_413_problem_and_writes_nothing(app, world, member, snapshots):
    before = snapshots.take()
    ids = _ids(world)
    big = json.dumps({"title": {"sv": "x" * MAX_BODY}, "code": "BIG"})
    for rule, method in _api_writes(app):
        url = _fill(rule, "vasa", ids)
        response = member.open(url, method=method, data=big, headers={"If-Match": '"x"'},
                               content_type="application/json")
        assert response.status_code == 413, (method, url, response.status_code)
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 413
    assert snapshots.changes(before, snapshots.take()) == {}


def test_a_large_json_body_under_the_limit_is_judged_on_its_content(app, world, member, snapshots):
    """Just under the limit the body is read: a long text field is a 422 field error, not 413."""
    before = snapshots.take()
    body = json.dumps({"code": "LONG", "title": {"sv": "x" * (MAX_BODY - 1000)},
                       "valid_from": "2026-01-01"})
    response = member.post("/api/v1/t/vasa/agreements", data=body,
                           content_type="application/json")
    assert response.status_code in {201, 422}, response.status_code
    if response.status_code == 422:
        assert response.mimetype == "application/problem+json"
        assert snapshots.changes(before, snapshots.take()) == {}
