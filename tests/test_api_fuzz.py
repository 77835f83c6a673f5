"""API fuzzing: schemathesis, a client we did not write, against ``/api/v1/openapi.json``.

Each pass loads the OpenAPI document from the app (in-process WSGI), on the demo data, and runs
schemathesis' engine (the examples, coverage and fuzzing phases; the stateful phase too in
``make fuzz``) with every check on: no server error, status codes, content types, response
bodies and headers as documented, schema-violating input refused, schema-valid input accepted,
required headers enforced, unsupported methods refused, plus our own check that every 4xx answer
is an ``application/problem+json`` document carrying its status.

The passes authenticate as the demo API client (a bearer token from ``/oauth/token``) and with
signed-in sessions (the session cookie), each with the tenant slug of the paths fixed to a demo
tenant where that person or client works, so the ids of the demo data exist.

Two documented expectations differ from schemathesis' defaults:

- A missing ``If-Match`` answers 428 Precondition Required (RFC 6585), the status made for it.
- A schema-valid request may be refused with 422 for a business rule the schema cannot express
  (an enrolment for a provider that is not authorised, a duplicate invoice number, an id of a row
  that does not exist in the tenant); it still must not be a 400, 415 or 5xx.

``make test`` runs a bounded, seeded run (``SAMVERKAN_FUZZ_EXAMPLES``, default 2 examples per
operation and phase; the coverage phase in the token pass only); ``make fuzz`` a longer campaign
(50 examples, the coverage phase in every pass, the stateful phase). The counts of operations,
requests and checks, and the failures by check, are printed in the terminal summary.
Every operation of the document is fuzzed: the API has no file uploads (agreement and project
documents are uploaded through the HTML pages, whose limits tests/test_security.py covers).
"""

from __future__ import annotations

import base64
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.engine import events  # noqa: E402

from samverkan.platform.db import db  # noqa: E402

PROBLEM_JSON = "application/problem+json"
# ``make fuzz`` sets SAMVERKAN_FUZZ_CAMPAIGN=1: more examples, the coverage phase in every pass
# and the stateful phase. ``make test`` runs the coverage phase in the token pass only.
CAMPAIGN = os.environ.get("SAMVERKAN_FUZZ_CAMPAIGN", "") == "1"
EXAMPLES = int(os.environ.get("SAMVERKAN_FUZZ_EXAMPLES", "50" if CAMPAIGN else "2"))
SEED = int(os.environ.get("SAMVERKAN_FUZZ_SEED", "20261125"))


@schemathesis.check
def problem_documents(ctx, response, case):
    """Every 4xx answer of the API is an RFC 9457 problem document with its status (the token
    endpoint answers OAuth 2 errors in application/json, as RFC 6749 prescribes)."""
    if not 400 <= response.status_code < 500 or not case.path.startswith("/api/"):
        return None
    media_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if media_type != PROBLEM_JSON:
        raise AssertionError(f"{response.status_code} answered in {media_type or 'no content type'}, "
                             f"not {PROBLEM_JSON}")
    body = response.json()
    if not isinstance(body, dict) or body.get("status") != response.status_code:
        raise AssertionError(f"the problem document's status is not {response.status_code}")
    return True


@dataclass(frozen=True)
class Pass:
    """Who fuzzes which operations in which tenant."""

    label: str
    slug: str
    email: str | None = None  # a session of this demo user; None: the demo API client's token
    paths: str | None = None  # a regular expression of the paths fuzzed; None: every operation
    coverage: bool = False  # the coverage phase (boundary and negative values) outside campaigns


PASSES = [
    Pass("demo API client, bearer token", "kustregionen", coverage=True),
    Pass("tenant admin session", "kustregionen", "admin.kustregionen@example.org"),
    Pass("purchaser session", "falun", "purchaser@example.org",
         r"/(authorisation|compensation|invoices|spot-checks|actions|training-orders|agreements"
         r"|reports|periods|organisations)"),
    Pass("coordinator session", "forbundet", "coordinator@example.org",
         r"/(projects|library|organisations|me)"),
    Pass("municipality admin session", "vasa", "owner.vasa@example.org",
         r"/(participations|library|agreements|me)"),
]


@dataclass
class Outcome:
    """What one pass did."""

    operations: set[str] = field(default_factory=set)
    examples: int = 0
    checks: Counter = field(default_factory=Counter)
    phases: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    details: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def failed(self) -> int:
        return sum(self.failures.values()) + len(self.errors)


FUZZED: dict[str, Outcome] = {}


def _config(pass_: Pass, headers: dict) -> schemathesis.Config:
    phases = {"coverage": {"enabled": CAMPAIGN or pass_.coverage}, "stateful": {"enabled": CAMPAIGN}}
    project = {
        "seed": SEED,
        "headers": headers,
        "parameters": {"path.slug": pass_.slug},
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        "phases": phases,
        "checks": {
            "enabled": True,
            "missing_required_header": {"expected-statuses": [400, 401, 403, 406, 415, 422, 428]},
            "positive_data_acceptance": {
                "expected-statuses": ["2XX", "3XX", 401, 403, 404, 409, 412, 422, 428]},
        },
        "warnings": False,
    }
    return schemathesis.Config.from_dict(project)


def _credentials(app, pass_: Pass) -> dict:
    """The request headers that authenticate the pass."""
    from samverkan.platform.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD

    client = app.test_client()
    if pass_.email is None:
        basic = base64.b64encode(f"{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}".encode()).decode()
        response = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                     "scope": "read report"},
                               headers={"Authorization": f"Basic {basic}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}
    response = client.post("/signin", data={"email": pass_.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    return {"Cookie": f"{cookie.key}={cookie.value}"}


def _fuzz(app, pass_: Pass) -> Outcome:
    from schemathesis import engine

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app,
                                            config=_config(pass_, _credentials(app, pass_)))
    if pass_.paths:
        schema = schema.include(path_regex=pass_.paths)
    outcome = Outcome()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            phase = str(getattr(event.phase, "value", event.phase))
            if phase != "stateful":  # a stateful scenario is a chain of operations
                outcome.operations.add(recorder.label)
            outcome.examples += len(recorder.cases)
            outcome.phases[phase] += len(recorder.cases)
            for case_id, results in recorder.checks.items():
                for result in results:
                    outcome.checks[result.name] += 1
                    if result.status.name == "SUCCESS":
                        continue
                    key = (result.name, recorder.label)
                    outcome.failures[key] += 1
                    if key not in outcome.details:
                        outcome.details[key] = _describe(recorder, case_id, result)
        elif isinstance(event, events.NonFatalError):
            outcome.errors.append(f"{event.label}: {event.value!r}"[:500])
        elif isinstance(event, events.FatalError):
            outcome.errors.append(f"fatal: {event.exception!r}"[:500])
    return outcome


def _describe(recorder, case_id, result) -> str:
    case = recorder.cases[case_id].value
    interaction = recorder.interactions.get(case_id)
    response = interaction.response if interaction else None
    failure = result.failure_info.failure if result.failure_info else None
    lines = [f"{failure.title if failure else result.name}: {(failure.message if failure else '')[:600]}",
             f"  request: {case.method} {case.formatted_path} query={case.query} "
             f"body={str(case.body)[:300]}"]
    if response is not None:
        lines.append(f"  response: {response.status_code} {response.content[:300]!r}")
    return "\n".join(lines)


@pytest.fixture
def demo_app(app):
    """The app on the demo data (samverkan.platform.demo.seed)."""
    from samverkan.platform.demo import seed

    with app.app_context():
        seed()
        db.session.commit()
    return app


@pytest.mark.parametrize("pass_", PASSES, ids=[p.label.replace(" ", "-") for p in PASSES])
def test_schemathesis_finds_nothing(demo_app, pass_, summary):
    logging.getLogger("samverkan").setLevel(logging.ERROR)
    started = time.monotonic()
    outcome = _fuzz(demo_app, pass_)
    elapsed = time.monotonic() - started
    FUZZED[pass_.label] = outcome
    checks = ", ".join(f"{name} {count}" for name, count in sorted(outcome.checks.items()))
    phases = ", ".join(f"{name} {count}" for name, count in sorted(outcome.phases.items()))
    summary(f"API fuzz ({pass_.label}, {pass_.slug}): {len(outcome.operations)} operations, "
            f"{outcome.examples} requests ({phases}), {outcome.failed()} failures, {elapsed:.0f} s; "
            f"checks run: {checks}")
    for (check, operation), count in sorted(outcome.failures.items()):
        summary(f"  {check} failed {count}x on {operation}")
    assert outcome.operations, "schemathesis fuzzed no operation"
    assert outcome.checks["not_a_server_error"] > 0
    assert not outcome.errors, "\n".join(outcome.errors)
    assert not outcome.failures, "\n\n".join(outcome.details.values())


def test_every_operation_was_fuzzed(demo_app, summary):
    """The passes together cover every operation of the OpenAPI document."""
    if len(FUZZED) < len(PASSES):
        pytest.skip("runs after the fuzzing passes of this module")
    document = demo_app.test_client().get("/api/v1/openapi.json").get_json()
    documented = {f"{method.upper()} {path}" for path, item in document["paths"].items()
                  for method in item if method in {"get", "post", "put", "patch", "delete"}}
    fuzzed = set().union(*(outcome.operations for outcome in FUZZED.values()))
    examples = sum(outcome.examples for outcome in FUZZED.values())
    failures = sum(outcome.failed() for outcome in FUZZED.values())
    by_check = Counter()
    for outcome in FUZZED.values():
        for (check, _operation), count in outcome.failures.items():
            by_check[check] += count
    summary(f"API fuzz in total: {len(fuzzed)} of {len(documented)} documented operations, "
            f"{examples} requests over {len(FUZZED)} passes, {failures} failures "
            f"({EXAMPLES} examples per operation and phase, seed {SEED}"
            f"{', campaign' if CAMPAIGN else ''})")
    summary("API fuzz failures by check: " + (", ".join(
        f"{check} {count}" for check, count in sorted(by_check.items())) or "none"))
    assert documented - fuzzed == set()


# --- what the fuzzing found, kept as plain tests ---------------------------------------------


@pytest.fixture
def bearer(app, factory) -> dict:
    """A read/report token of an API client of the tenant ``vasa``, bound to a provider."""
    tenant = factory.tenant("vasa")
    provider = factory.organisation(tenant, kind="provider")
    client, _secret = factory.api_client(tenant, organisation=provider)
    _row, token = factory.api_token(client, scope="read report")
    return {"Authorization": f"Bearer {token}"}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == PROBLEM_JSON
    return response.get_json()


def test_numbers_beyond_the_database_are_answered_4xx(app, bearer):
    """Ids past 32 bits match no route (404); such numbers in queries and bodies are a 422 where
    the database cannot hold them (PostgreSQL), and the next request is served as usual."""
    client = app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    goal_id = next(p for p in document["paths"]["/api/v1/t/{slug}/goals/{goal_id}"]["parameters"]
                   if p["name"] == "goal_id")
    assert goal_id["schema"]["maximum"] == 2**31 - 1
    _problem(client.get(f"/api/v1/t/vasa/goals/{2**63 - 1}", headers=bearer), 404)
    listing = client.get(f"/api/v1/t/vasa/reports?organisation_id={2**40}",
                         headers={**bearer, "Accept-Language": "en"})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert "out of the range" in _problem(listing, 422)["detail"]
    else:
        assert listing.status_code == 200
    body = client.post("/api/v1/t/vasa/reports", headers=bearer,
                       json={"agreement_id": 2**40, "period_id": 2**40})
    assert body.status_code == 422 and body.mimetype == PROBLEM_JSON
    assert client.get("/api/v1/t/vasa/me", headers=bearer).status_code == 200


def test_timestamps_carry_their_offset_and_pagination_is_documented_json(app, bearer):
    from datetime import datetime

    client = app.test_client()
    listing = client.get("/api/v1/t/vasa/organisations", headers=bearer)
    assert listing.status_code == 200
    rows = listing.get_json()
    assert rows and all(datetime.fromisoformat(row["created_at"]).tzinfo is not None
                        for row in rows)
    document = client.get("/api/v1/openapi.json").get_json()
    header = document["components"]["headers"]["PAGINATION"]
    assert "application/json" in header["content"] and "schema" not in header


def test_an_application_refuses_a_fractional_organisation_id(app, bearer):
    response = app.test_client().post("/api/v1/t/vasa/authorisation/applications",
                                      headers=bearer, json={"organisation_id": 4.5})
    assert "organisation_id" in _problem(response, 422)["errors"]
