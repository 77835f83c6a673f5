"""The partnership JSON API: agreements with their lifecycle, signing, amendments and versions;
parties, commitments, indicators and targets; the reporting calendar; outcome reports with
drafts (If-Match), idempotent submission, review and corrections. Permissions per role and per
API client scope, provider visibility (404 for another provider's reports), validation problems
in the requester's language that write nothing, and the OpenAPI document.

The world (tenant ``kust``): Vasa buys from two providers, Yrkesakademin (``x``) and Novia
(``y``), under the signed agreement ``SP-1`` with the indicators ``started`` (a count, target 40
in 2025 Q1) and ``employed`` (a percentage, target 70). ``SP-2`` is a draft between Vasa and a
third provider (``z``). Novia has submitted its report for 2025 Q1.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from samverkan.partnership import services as svc
from samverkan.partnership.models import Agreement, OutcomeReport, SubmissionKey
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user

BASE = "/api/v1/t/kust"
PROBLEM = "application/problem+json"
SIGN_IN_ONLY = {"users"}  # signing a test client in records the time of the sign-in

AGREEMENT = {"code": "SP-9", "kind": "strategic_partnership",
             "title": {"sv": "Nytt partnerskap", "fi": "Uusi kumppanuus"},
             "summary": {"sv": "Sammanfattning"}, "valid_from": "2025-01-01",
             "valid_to": "2025-12-31"}


class World:
    """Tenant ``kust`` with a member per role (``<key>@kust.example.org``, locale en)."""

    MEMBERS = {"admin": (["admin"], None), "purchaser": (["purchaser"], None),
               "viewer": (["viewer"], None), "rep_x": (["provider_reporter"], "x"),
               "rep_y": (["provider_reporter"], "y"), "rep_z": (["provider_reporter"], "z")}

    def __init__(self, app, factory):
        self.app, self.factory = app, factory
        self._tenant = factory.tenant("kust", kind="consortium")
        names = {"vasa": ("municipality", {"sv": "Vasa stad", "fi": "Vaasan kaupunki"}),
                 "x": ("provider", {"sv": "Yrkesakademin", "fi": "Yrkesakademin"}),
                 "y": ("provider", {"sv": "Novia", "fi": "Novia"}),
                 "z": ("provider", {"sv": "Optima", "fi": "Optima"})}
        self.org = {key: factory.organisation(self._tenant, kind=kind, name=name).id
                    for key, (kind, name) in names.items()}
        self.emails = {}
        for key, (roles, org) in self.MEMBERS.items():
            self.emails[key] = f"{key}@kust.example.org"
            factory.user(self.emails[key], tenant=self._tenant, roles=roles, locale="en",
                         organisation=SimpleNamespace(id=self.org[org]) if org else None)
        with self.scope():
            self._build()

    def _build(self) -> None:
        tenant, admin = self.tenant, self.p("admin")
        self.periods = [p.id for p in svc.generate_periods(tenant, admin, 2025, 2025, "quarter")]
        agreement = svc.create_agreement(tenant, admin, svc.AgreementData(
            code="SP-1", title={"sv": "Strategiskt partnerskap", "fi": "Strateginen kumppanuus"},
            valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31)))
        svc.add_party(tenant, admin, agreement, self.org["vasa"], "purchaser")
        self.party = {key: svc.add_party(tenant, admin, agreement, self.org[key], "provider").id
                      for key in ("x", "y")}
        self.commitment = svc.add_commitment(tenant, admin, agreement, svc.CommitmentData(
            party_id=self.party["x"], text={"sv": "Studievägledning"}, due_date=date(2025, 6, 30))).id
        started = svc.add_indicator(tenant, admin, agreement, svc.IndicatorData(
            code="started", name={"sv": "Påbörjade", "fi": "Aloittaneet"}, unit="count"))
        employed = svc.add_indicator(tenant, admin, agreement, svc.IndicatorData(
            code="employed", name={"sv": "Sysselsatta", "fi": "Työllistyneet"}, unit="percent",
            aggregation="average"))
        svc.set_target(tenant, admin, started, self.periods[0], "40")
        svc.set_target(tenant, admin, employed, self.periods[0], "70")
        svc.transition_agreement(tenant, admin, agreement, "negotiation")
        for key in ("admin", "rep_x", "rep_y"):
            svc.sign(tenant, self.p(key), agreement)
        draft = svc.create_agreement(tenant, admin, svc.AgreementData(
            code="SP-2", title={"sv": "Vuxenutbildning"}, valid_from=date(2025, 1, 1)))
        svc.add_party(tenant, admin, draft, self.org["vasa"], "purchaser")
        svc.add_party(tenant, admin, draft, self.org["z"], "provider")
        report_y = svc.open_report(tenant, self.p("rep_y"), agreement, self.periods[0])
        svc.submit_report(tenant, self.p("rep_y"), report_y,
                          values={"started": "12", "employed": "65"})
        db.session.commit()
        self.agreement, self.draft, self.report_y = agreement.id, draft.id, report_y.id
        self.indicator = {"started": started.id, "employed": employed.id}

    @contextmanager
    def scope(self):
        with self.app.app_context(), tenant_scope(self._tenant.id):
            yield

    @property
    def tenant(self) -> Tenant:
        return db.session.get(Tenant, self._tenant.id)

    def p(self, key: str):
        user = db.session.scalar(select(User).where(User.email == self.emails[key]))
        return principal_for_user(self.tenant, user)

    def bearer(self, org: str | None = "x", scope: str = "read report") -> dict:
        organisation = SimpleNamespace(id=self.org[org]) if org else None
        client, _secret = self.factory.api_client(self._tenant, organisation=organisation,
                                                  scopes=("read", "report"))
        return {"Authorization": f"Bearer {self.factory.api_token(client, scope=scope)[1]}"}

    def open_report(self, key: str = "rep_x", period: int = 0) -> int:
        """A draft of ``key``'s provider for a period of SP-1, made by the services."""
        with self.scope():
            report = svc.open_report(self.tenant, self.p(key), db.session.get(
                Agreement, self.agreement), self.periods[period])
            db.session.commit()
            return report.id

    def report(self, report_id: int) -> OutcomeReport:
        return db.session.get(OutcomeReport, report_id)


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


@pytest.fixture
def as_(app, world, sign_in_as):
    """``as_(key)``: a test client signed in as the world's member ``key``."""
    clients = {}

    def make(key):
        if key not in clients:
            clients[key] = app.test_client()
            sign_in_as(clients[key], world.emails[key])
        return clients[key]

    return make


@pytest.fixture
def anonymous(app):
    return app.test_client()


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    return body


def unchanged(snapshots):
    """Context: assert the block wrote nothing (but sign-ins)."""

    class Unchanged:
        def __enter__(self):
            self.before = snapshots.take()

        def __exit__(self, *exc):
            if exc[0] is None:
                changes = snapshots.changes(self.before, snapshots.take())
                assert {k: v for k, v in changes.items() if k not in SIGN_IN_ONLY} == {}

    return Unchanged()


# --- OpenAPI ---------------------------------------------------------------------------------

A = "/agreements/{agreement_id}"
R = "/reports/{outcome_id}"
PATHS = {
    ("/agreements", "get"), ("/agreements", "post"), (A, "get"), (A, "put"),
    (A + "/transitions", "post"), (A + "/signatures", "post"), (A + "/amendments", "post"),
    (A + "/versions", "get"), (A + "/versions/{version_id}", "get"),
    (A + "/versions/{version_id}/diff", "get"),
    (A + "/parties", "get"), (A + "/parties", "post"), (A + "/parties/{party_id}", "delete"),
    (A + "/commitments", "get"), (A + "/commitments", "post"),
    (A + "/commitments/{commitment_id}", "get"), (A + "/commitments/{commitment_id}", "put"),
    (A + "/commitments/{commitment_id}", "delete"),
    (A + "/commitments/{commitment_id}/status", "put"),
    (A + "/indicators", "get"), (A + "/indicators", "post"),
    (A + "/indicators/{indicator_id}", "get"), (A + "/indicators/{indicator_id}", "put"),
    (A + "/indicators/{indicator_id}", "delete"),
    (A + "/indicators/{indicator_id}/targets", "get"),
    (A + "/indicators/{indicator_id}/targets", "put"),
    ("/periods", "get"), ("/periods/{period_id}", "get"),
    ("/reports", "get"), ("/reports", "post"), (R, "get"), (R, "put"), (R, "patch"),
    (R + "/submit", "post"), (R + "/accept", "post"), (R + "/return", "post"),
    (R + "/corrections", "post"), (R + "/values", "get"),
}


def test_the_openapi_document_lists_every_endpoint_with_examples(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path, method in PATHS:
        operation = paths["/api/v1/t/{slug}" + path][method]
        assert operation["summary"], (method, path)
        assert operation["description"], (method, path)
        assert operation["tags"], (method, path)
        success = next(code for code in operation["responses"] if code.startswith("2"))
        if success != "204":
            content = operation["responses"][success]["content"]["application/json"]
            assert content["example"], (method, path)
        if method in ("post", "put", "patch") and "requestBody" in operation:
            assert operation["requestBody"]["content"]["application/json"]["example"], (method, path)
            assert {"401", "403", "422"} <= set(operation["responses"]), (method, path)
    report_put = paths["/api/v1/t/{slug}" + R]["put"]
    assert {"412", "428", "409"} <= set(report_put["responses"])
    submit = paths["/api/v1/t/{slug}" + R + "/submit"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in submit["parameters"]}
    assert "X-Pagination" in paths["/api/v1/t/{slug}/reports"]["get"]["responses"]["200"]["headers"]
    value = spec["components"]["schemas"]["ReportValue"]["properties"]
    assert value["value"]["type"] == "string"
    assert {"Partnership agreements", "Parties and commitments", "Indicators and targets",
            "Reporting periods", "Outcome reports"} <= {tag["name"] for tag in spec["tags"]}


# --- agreements ------------------------------------------------------------------------------


def test_members_list_agreements_with_filters_and_pages(world, as_):
    admin = as_("admin")
    response = admin.get(f"{BASE}/agreements")
    assert response.status_code == 200
    assert [a["code"] for a in response.get_json()] == ["SP-1", "SP-2"]
    assert json.loads(response.headers["X-Pagination"])["total"] == 2
    assert [a["code"] for a in admin.get(f"{BASE}/agreements?status=draft").get_json()] == ["SP-2"]
    assert [a["code"] for a in admin.get(f"{BASE}/agreements?q=vuxen").get_json()] == ["SP-2"]
    by_party = admin.get(f"{BASE}/agreements?organisation_id={world.org['x']}").get_json()
    assert [a["code"] for a in by_party] == ["SP-1"]
    page = admin.get(f"{BASE}/agreements?per_page=1&page=2")
    assert [a["code"] for a in page.get_json()] == ["SP-2"]
    assert 'rel="prev"' in page.headers["Link"]
    problem(admin.get(f"{BASE}/agreements?status=nonsense"), 422)


def test_a_provider_sees_only_the_agreements_it_is_party_to(world, as_, anonymous):
    for client, headers in ((as_("rep_x"), {}), (anonymous, world.bearer("x"))):
        listed = client.get(f"{BASE}/agreements", headers=headers).get_json()
        assert [a["code"] for a in listed] == ["SP-1"]
        problem(client.get(f"{BASE}/agreements/{world.draft}", headers=headers), 404)
        problem(client.get(f"{BASE}/agreements/{world.draft}/indicators", headers=headers), 404)
    assert [a["code"] for a in as_("rep_z").get(f"{BASE}/agreements").get_json()] == ["SP-2"]


def test_reading_needs_the_read_scope_or_a_session(world, anonymous):
    problem(anonymous.get(f"{BASE}/agreements"), 401)
    problem(anonymous.get(f"{BASE}/agreements", headers=world.bearer("x", scope="report")), 403)


def test_a_purchaser_creates_an_agreement_and_others_cannot(world, as_, anonymous, snapshots):
    for key in ("viewer", "rep_x"):
        with unchanged(snapshots):
            problem(as_(key).post(f"{BASE}/agreements", json=AGREEMENT), 403)
    bearer = world.bearer("x")
    with unchanged(snapshots):
        problem(anonymous.post(f"{BASE}/agreements", json=AGREEMENT, headers=bearer), 403)
    response = as_("purchaser").post(f"{BASE}/agreements", json=AGREEMENT)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "draft" and body["version_number"] == 1
    assert body["allowed_transitions"] == ["negotiation"]
    assert response.headers["Location"].endswith(f"/agreements/{body['id']}")
    assert as_("viewer").get(response.headers["Location"]).get_json()["code"] == "SP-9"


def test_agreement_validation_errors_write_nothing(world, as_, snapshots):
    purchaser = as_("purchaser")
    with unchanged(snapshots):
        body = problem(purchaser.post(f"{BASE}/agreements", json={**AGREEMENT, "code": "SP-1"}), 422)
        assert body["errors"]["code"] == ["Another agreement has this code."]
        body = problem(purchaser.post(f"{BASE}/agreements", json={
            **AGREEMENT, "valid_to": "2024-01-01"}), 422)
        assert "valid_to" in body["errors"]
        body = problem(purchaser.post(f"{BASE}/agreements", json={"code": "X"}), 422)
        assert {"title", "valid_from"} <= set(body["errors"])
        problem(purchaser.post(f"{BASE}/agreements", json={**AGREEMENT, "extra": 1}), 422)


def test_updating_an_agreement_needs_the_current_etag_and_an_open_version(world, as_, snapshots):
    purchaser = as_("purchaser")
    url = f"{BASE}/agreements/{world.draft}"
    etag = purchaser.get(url).headers["ETag"]
    change = {**AGREEMENT, "code": "SP-2", "title": {"sv": "Vuxenutbildning 2025"}}
    with unchanged(snapshots):
        problem(purchaser.put(url, json=change), 428)
        problem(purchaser.put(url, json=change, headers={"If-Match": '"stale"'}), 412)
    response = purchaser.put(url, json=change, headers={"If-Match": etag})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["title"] == {"sv": "Vuxenutbildning 2025"}
    assert response.headers["ETag"] != etag
    problem(purchaser.put(url, json=change, headers={"If-Match": etag}), 412)
    signed = f"{BASE}/agreements/{world.agreement}"
    with unchanged(snapshots):
        body = problem(purchaser.put(signed, json={**change, "code": "SP-1"},
                                     headers={"If-Match": purchaser.get(signed).headers["ETag"]}),
                       409)
        assert "amendment" in body["detail"]


def test_the_lifecycle_signing_and_an_amendment_through_the_api(world, as_, snapshots):
    purchaser, admin = as_("purchaser"), as_("admin")
    created = purchaser.post(f"{BASE}/agreements", json=AGREEMENT).get_json()
    url = f"{BASE}/agreements/{created['id']}"
    for org, role in (("vasa", "purchaser"), ("x", "provider")):
        response = purchaser.post(f"{url}/parties", json={"organisation_id": world.org[org],
                                                          "role": role})
        assert response.status_code == 201, response.get_data(as_text=True)
    with unchanged(snapshots):
        problem(as_("rep_x").post(f"{url}/transitions", json={"to": "negotiation"}), 403)
        problem(purchaser.post(f"{url}/transitions", json={"to": "active"}), 409)
    assert purchaser.post(f"{url}/transitions", json={"to": "negotiation"}).get_json()[
        "status"] == "negotiation"
    with unchanged(snapshots):
        problem(as_("viewer").post(f"{url}/signatures", json={}), 403)
    signed = admin.post(f"{url}/signatures", json={}).get_json()
    assert signed["agreement_status"] == "negotiation" and len(signed["missing_signatures"]) == 1
    with unchanged(snapshots):
        problem(admin.post(f"{url}/signatures", json={}), 409)
    signed = as_("rep_x").post(f"{url}/signatures", json={}).get_json()
    assert signed["agreement_status"] == "signed" and signed["version_status"] == "signed"
    assert signed["signature"]["signer"] == world.emails["rep_x"]
    with unchanged(snapshots):
        problem(purchaser.post(f"{url}/transitions", json={"to": "terminated"}), 422)
    amendment = purchaser.post(f"{url}/amendments", json={"reason": "Longer validity"})
    assert amendment.status_code == 201
    assert amendment.get_json()["number"] == 2 and amendment.get_json()["status"] == "negotiation"
    versions = purchaser.get(f"{url}/versions").get_json()
    assert [(v["number"], v["status"]) for v in versions] == [(1, "signed"), (2, "negotiation")]
    etag = purchaser.get(url).headers["ETag"]
    response = purchaser.put(url, json={**AGREEMENT, "valid_to": "2026-12-31"},
                             headers={"If-Match": etag})
    assert response.status_code == 200, response.get_data(as_text=True)
    first = as_("viewer").get(f"{url}/versions/{versions[0]['id']}").get_json()
    assert first["content"]["valid_to"] == "2025-12-31"
    assert len(first["signatures"]) == 2
    diff = as_("viewer").get(amendment.headers["Location"] + "/diff").get_json()
    assert diff["from_number"] == 1 and diff["to_number"] == 2 and diff["changed"]
    valid_to = next(f for f in diff["fields"] if f["field"] == "valid_to")
    assert (valid_to["before"], valid_to["after"], valid_to["changed"]) == (
        "2025-12-31", "2026-12-31", True)
    original = as_("viewer").get(f"{url}/versions/{versions[0]['id']}/diff").get_json()
    assert original["from_number"] is None
    assert {p["change"] for p in original["parties"]} == {"added"}


def test_parties_commitments_and_their_follow_up(world, as_, snapshots):
    purchaser = as_("purchaser")
    draft = f"{BASE}/agreements/{world.draft}"
    parties = purchaser.get(f"{draft}/parties").get_json()
    z_party = next(p for p in parties if p["organisation"]["id"] == world.org["z"])
    with unchanged(snapshots):
        problem(purchaser.post(f"{draft}/commitments", json={"party_id": 999999,
                                                             "text": {"sv": "Text"}}), 422)
        problem(as_("viewer").post(f"{draft}/commitments", json={"party_id": z_party["id"],
                                                                 "text": {"sv": "Text"}}), 403)
    created = purchaser.post(f"{draft}/commitments", json={
        "party_id": z_party["id"], "text": {"sv": "Tre yrkespaket"}, "due_date": "2025-09-30"})
    assert created.status_code == 201, created.get_data(as_text=True)
    location = created.headers["Location"]
    etag = purchaser.get(location).headers["ETag"]
    problem(purchaser.put(location, json={"party_id": z_party["id"], "text": {"sv": "Fyra"}}), 428)
    updated = purchaser.put(location, json={"party_id": z_party["id"], "text": {"sv": "Fyra"}},
                            headers={"If-Match": etag})
    assert updated.get_json()["text"] == {"sv": "Fyra"}
    assert purchaser.delete(location).status_code == 204
    assert purchaser.get(f"{draft}/commitments").get_json() == []
    with unchanged(snapshots):
        problem(purchaser.delete(f"{draft}/parties/{z_party['id']}0"), 404)
    assert purchaser.delete(f"{draft}/parties/{z_party['id']}").status_code == 204
    # The follow-up of a commitment of a signed agreement: the committed party or the purchaser.
    status_url = f"{BASE}/agreements/{world.agreement}/commitments/{world.commitment}/status"
    with unchanged(snapshots):
        for key in ("rep_y", "viewer"):
            problem(as_(key).put(status_url, json={"status": "done"}), 403)
        problem(as_("rep_x").put(status_url, json={"status": "finished"}), 422)
    response = as_("rep_x").put(status_url, json={"status": "in_progress"})
    assert response.get_json()["status"] == "in_progress"
    assert purchaser.put(status_url, json={"status": "done"}).get_json()["late"] is False


def test_indicators_and_targets(world, as_, snapshots):
    purchaser = as_("purchaser")
    draft = f"{BASE}/agreements/{world.draft}"
    body = {"code": "completed", "name": {"sv": "Utexaminerade"}, "unit": "percent"}
    with unchanged(snapshots):
        problem(as_("rep_z").post(f"{draft}/indicators", json=body), 403)
        problem(purchaser.post(f"{draft}/indicators", json={**body, "unit": "litres"}), 422)
        problem(purchaser.post(f"{BASE}/agreements/{world.agreement}/indicators", json=body), 409)
    created = purchaser.post(f"{draft}/indicators", json=body)
    assert created.status_code == 201, created.get_data(as_text=True)
    location = created.headers["Location"]
    assert as_("rep_z").get(location).get_json()["aggregation"] == "sum"
    targets_url = f"{location}/targets"
    etag = purchaser.get(targets_url).headers["ETag"]
    with unchanged(snapshots):
        body_ = problem(purchaser.put(targets_url, headers={"If-Match": etag}, json={"targets": [
            {"period_id": world.periods[0], "value": "50"},
            {"period_id": world.periods[1], "value": "120"}]}), 422)
        assert list(body_["errors"]) == ["targets.1.value"]
    response = purchaser.put(targets_url, headers={"If-Match": etag}, json={"targets": [
        {"period_id": world.periods[0], "value": "50"}, {"period_id": world.periods[1], "value": 55}]})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [(t["period_label"], t["value"]) for t in response.get_json()] == [
        ("2025 Q1", "50.0000"), ("2025 Q2", "55.0000")]
    etag = response.headers["ETag"]
    kept = purchaser.put(targets_url, headers={"If-Match": etag}, json={"targets": [
        {"period_id": world.periods[1], "value": "60"}]}).get_json()
    assert [(t["period_label"], t["value"]) for t in kept] == [("2025 Q2", "60.0000")]
    indicator_etag = purchaser.get(location).headers["ETag"]
    renamed = purchaser.put(location, headers={"If-Match": indicator_etag},
                            json={**body, "name": {"sv": "Examen"}})
    assert renamed.get_json()["name"] == {"sv": "Examen"}
    assert purchaser.delete(location).status_code == 204
    with unchanged(snapshots):
        problem(purchaser.delete(
            f"{BASE}/agreements/{world.agreement}/indicators/{world.indicator['started']}"), 409)


def test_periods_are_listed_and_read(world, as_, anonymous):
    periods = anonymous.get(f"{BASE}/periods?year=2025", headers=world.bearer("x")).get_json()
    assert [p["label"] for p in periods] == ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"]
    assert as_("viewer").get(f"{BASE}/periods?year=2024").get_json() == []
    assert as_("viewer").get(f"{BASE}/periods?frequency=month").get_json() == []
    period = as_("viewer").get(f"{BASE}/periods/{world.periods[0]}").get_json()
    assert (period["starts_on"], period["ends_on"]) == ("2025-01-01", "2025-03-31")
    problem(as_("viewer").get(f"{BASE}/periods/{world.periods[-1] + 100}"), 404)


# --- outcome reports -------------------------------------------------------------------------


def open_body(world, period: int = 0) -> dict:
    return {"agreement_id": world.agreement, "period_id": world.periods[period]}


def test_a_reporter_opens_saves_and_submits_a_report(world, as_, snapshots):
    reporter = as_("rep_x")
    opened = reporter.post(f"{BASE}/reports", json=open_body(world))
    assert opened.status_code == 201, opened.get_data(as_text=True)
    report = opened.get_json()
    assert (report["status"], report["organisation"]["id"]) == ("draft", world.org["x"])
    assert [v["code"] for v in report["values"]] == ["started", "employed"]
    again = reporter.post(f"{BASE}/reports", json=open_body(world))
    assert again.status_code == 200 and again.get_json()["id"] == report["id"]
    url = opened.headers["Location"]
    etag = reporter.get(url).headers["ETag"]
    draft = {"values": {"started": {"value": "41", "comment": {"sv": "Två grupper"}}}}
    saved = reporter.patch(url, json=draft, headers={"If-Match": etag})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    started = saved.get_json()["values"][0]
    assert (started["value"], started["target"], started["target_status"]) == (
        "41.0000", "40.0000", "met")
    assert started["comment"] == {"sv": "Två grupper"}
    response = reporter.put(url, json={"values": {"employed": {"value": "66"}}},
                            headers={"If-Match": saved.headers["ETag"]})
    assert [v["value"] for v in response.get_json()["values"]] == ["41.0000", "66.0000"]
    values = as_("viewer").get(f"{url}/values").get_json()
    assert [(v["value"], v["target_status"]) for v in values] == [("41.0000", "met"),
                                                                  ("66.0000", "near")]
    submitted = reporter.post(f"{url}/submit", json={}, headers={"Idempotency-Key": "k-1"})
    assert submitted.status_code == 200, submitted.get_data(as_text=True)
    assert submitted.get_json()["status"] == "submitted"
    assert submitted.get_json()["submitted_by"] == world.emails["rep_x"]
    with unchanged(snapshots):
        problem(reporter.put(url, json=draft, headers={"If-Match": reporter.get(url).headers["ETag"]}),
                409)


def test_saving_a_draft_needs_the_current_etag(world, as_, snapshots):
    url = f"{BASE}/reports/{world.open_report()}"
    reporter = as_("rep_x")
    etag = reporter.get(url).headers["ETag"]
    body = {"values": {"started": {"value": "10"}}}
    with unchanged(snapshots):
        problem(reporter.put(url, json=body), 428)
        problem(reporter.patch(url, json=body), 428)
    first = reporter.put(url, json=body, headers={"If-Match": etag})
    assert first.status_code == 200
    with unchanged(snapshots):
        stale = problem(reporter.put(url, json={"values": {"started": {"value": "11"}}},
                                     headers={"If-Match": etag}), 412)
        assert stale["status"] == 412
    assert reporter.get(f"{url}/values").get_json()[0]["value"] == "10.0000"


def test_idempotent_submission(world, as_, anonymous, snapshots):
    report_id = world.open_report()
    url = f"{BASE}/reports/{report_id}/submit"
    bearer = world.bearer("x")
    headers = {**bearer, "Idempotency-Key": "3f1c2a9e"}
    body = {"values": {"started": {"value": "42"}, "employed": {"value": "71.5"}}}
    first = anonymous.post(url, json=body, headers=headers)
    assert first.status_code == 200, first.get_data(as_text=True)
    again = anonymous.post(url, json=body, headers=headers)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    with unchanged(snapshots):
        reused = problem(anonymous.post(url, json={"values": {"started": {"value": "43"}}},
                                        headers=headers), 422)
        assert "idempotency_key" in reused["errors"]
        problem(anonymous.post(url, json=body, headers=bearer), 409)
    with world.scope():
        assert db.session.scalar(select(func.count()).select_from(SubmissionKey).where(
            SubmissionKey.report_id == report_id)) == 1
        report = world.report(report_id)
        assert (report.status, report.revision) == ("submitted", 1)
        assert report.submitted_by_label.startswith("api-client:")


def test_submission_errors_name_each_indicator_in_the_requesters_language(world, anonymous,
                                                                          snapshots):
    url = f"{BASE}/reports/{world.open_report()}/submit"
    body = {"values": {"started": {"value": "4.5"}}}
    bearer = world.bearer("x")
    with unchanged(snapshots):
        sv = problem(anonymous.post(url, json=body, headers={
            **bearer, "Accept-Language": "sv"}), 422)
        assert sv["errors"]["employed"] == ["employed (Sysselsatta): ange ett värde."]
        assert set(sv["errors"]) == {"started", "employed"}
        fi = problem(anonymous.post(url, json=body, headers={
            **bearer, "Accept-Language": "fi"}), 422)
        assert fi["errors"]["employed"] == ["Indikaattori employed (Työllistyneet): anna arvo."]
        en = problem(anonymous.post(url, json={"values": {"employed": {"value": "101"}}},
                                    headers={**bearer, "Accept-Language": "en"}), 422)
        assert en["errors"]["employed"] == ["employed (Sysselsatta): a percentage is from 0 to 100."]


def test_review_return_correct_and_accept(world, as_, snapshots):
    url = f"{BASE}/reports/{world.report_y}"
    with unchanged(snapshots):
        for key in ("viewer", "rep_y"):
            problem(as_(key).post(f"{url}/accept", json={}), 403)
        body = problem(as_("purchaser").post(f"{url}/return", json={}), 422)
        assert "comments" in body["errors"]
    returned = as_("purchaser").post(f"{url}/return", json={
        "comments": {"started": {"sv": "Stämmer siffran?"}}})
    assert returned.status_code == 200, returned.get_data(as_text=True)
    assert returned.get_json()["status"] == "returned"
    assert returned.get_json()["values"][0]["review_comment"] == {"sv": "Stämmer siffran?"}
    reporter = as_("rep_y")
    etag = reporter.get(url).headers["ETag"]
    reporter.put(url, json={"values": {"started": {"value": "14"}}}, headers={"If-Match": etag})
    assert reporter.post(f"{url}/submit", json={}).get_json()["status"] == "submitted"
    accepted = as_("purchaser").post(f"{url}/accept", json={"note": {"sv": "Tack"}})
    assert accepted.get_json()["status"] == "accepted"
    with unchanged(snapshots):
        problem(as_("purchaser").post(f"{url}/accept", json={}), 409)
        problem(as_("rep_x").post(f"{url}/corrections"), 404)
    corrected = reporter.post(f"{url}/corrections")
    assert corrected.status_code == 201, corrected.get_data(as_text=True)
    revision = corrected.get_json()
    assert (revision["revision"], revision["status"], revision["previous_id"]) == (
        2, "draft", world.report_y)
    assert [(r["revision"], r["status"], r["is_current"]) for r in revision["revisions"]] == [
        (1, "accepted", False), (2, "draft", True)]
    assert revision["values"][0]["value"] == "14.0000"
    listed = as_("purchaser").get(f"{BASE}/reports?agreement_id={world.agreement}").get_json()
    assert [r["id"] for r in listed] == [revision["id"]]
    history = as_("purchaser").get(f"{BASE}/reports?all_revisions=true").get_json()
    assert sorted(r["revision"] for r in history) == [1, 2]


def test_a_provider_never_sees_another_providers_reports(world, as_, anonymous, snapshots):
    own = world.open_report("rep_x")
    y = f"{BASE}/reports/{world.report_y}"
    for client, headers in ((as_("rep_x"), {}), (anonymous, world.bearer("x"))):
        listed = client.get(f"{BASE}/reports", headers=headers).get_json()
        assert [r["id"] for r in listed] == [own]
        assert client.get(f"{BASE}/reports?organisation_id={world.org['y']}",
                          headers=headers).get_json() == []
        with unchanged(snapshots):
            for path in ("", "/values"):
                problem(client.get(y + path, headers=headers), 404)
            problem(client.post(y + "/submit", json={}, headers=headers), 404)
            problem(client.post(y + "/corrections", headers=headers), 404)
            problem(client.put(y, json={"values": {}}, headers={**headers, "If-Match": '"x"'}), 404)
    everyone = as_("viewer").get(f"{BASE}/reports").get_json()
    assert {r["organisation"]["id"] for r in everyone} == {world.org["x"], world.org["y"]}
    assert as_("viewer").get(f"{BASE}/reports?status=submitted").get_json()[0]["id"] == world.report_y


def test_who_may_open_and_write_reports(world, as_, anonymous, snapshots):
    read_only, unbound = world.bearer("x", scope="read"), world.bearer(None)
    with unchanged(snapshots):
        for key in ("viewer", "purchaser"):
            problem(as_(key).post(f"{BASE}/reports", json=open_body(world)), 403)
        problem(as_("rep_z").post(f"{BASE}/reports", json=open_body(world)), 422)
        problem(anonymous.post(f"{BASE}/reports", json=open_body(world),
                               headers=read_only), 403)
        problem(anonymous.post(f"{BASE}/reports", json=open_body(world),
                               headers=unbound), 403)
        body = problem(as_("rep_x").post(f"{BASE}/reports", json={
            "agreement_id": world.draft, "period_id": world.periods[0]}), 422)
        assert "agreement_id" in body["errors"]
    # An admin opens a report on behalf of a provider.
    opened = as_("admin").post(f"{BASE}/reports", json={**open_body(world, 1),
                                                        "organisation_id": world.org["x"]})
    assert opened.status_code == 201
    assert opened.get_json()["organisation"]["id"] == world.org["x"]


def test_the_demo_provider_client_submits_a_report(app, factory):
    """As ``demo-provider-client`` in ``kustregionen``: a client of the provider organisation
    with the scopes read and report, through the API only."""
    world = World(app, factory)
    client, _secret = factory.api_client(world._tenant, organisation=SimpleNamespace(
        id=world.org["x"]), scopes=("read", "report"), name="Demo provider integration")
    assert set(client.scopes) == {"read", "report"}
    headers = {"Authorization": f"Bearer {factory.api_token(client, scope='read report')[1]}"}
    api = app.test_client()
    agreements = api.get(f"{BASE}/agreements", headers=headers).get_json()
    agreement = agreements[0]
    assert next(p for p in agreement["parties"] if p["organisation"]["id"] == world.org["x"])[
        "role"] == "provider"
    period = api.get(f"{BASE}/periods?year=2025", headers=headers).get_json()[0]
    opened = api.post(f"{BASE}/reports", json={"agreement_id": agreement["id"],
                                               "period_id": period["id"]}, headers=headers)
    assert opened.status_code == 201, opened.get_data(as_text=True)
    submitted = api.post(opened.headers["Location"] + "/submit", headers={
        **headers, "Idempotency-Key": "demo-1"}, json={
        "values": {"started": {"value": "42"}, "employed": {"value": "72"}}})
    assert submitted.status_code == 200, submitted.get_data(as_text=True)
    assert submitted.get_json()["status"] == "submitted"
    assert submitted.get_json()["submitted_by"] == f"api-client:{client.client_id}"


# --- every endpoint by role and scope --------------------------------------------------------


def reads(world) -> list[str]:
    a = f"/agreements/{world.agreement}"
    with world.scope():
        version = db.session.get(Agreement, world.agreement).current_version.id
    return [
        "/agreements", a, f"{a}/versions", f"{a}/versions/{version}", f"{a}/versions/{version}/diff",
        f"{a}/parties", f"{a}/commitments", f"{a}/commitments/{world.commitment}",
        f"{a}/indicators", f"{a}/indicators/{world.indicator['started']}",
        f"{a}/indicators/{world.indicator['started']}/targets", "/periods",
        f"/periods/{world.periods[0]}", "/reports",
    ]


def test_every_member_and_the_read_scope_read_a_visible_agreement(world, as_, anonymous):
    clients = [(as_(key), {}) for key in ("admin", "purchaser", "viewer", "rep_x")]
    clients.append((anonymous, world.bearer("x", scope="read")))
    for path in reads(world):
        for client, headers in clients:
            response = client.get(BASE + path, headers=headers)
            assert response.status_code == 200, (path, response.get_data(as_text=True))
        problem(anonymous.get(BASE + path), 401)
        if "/agreements/" in path:
            problem(as_("rep_z").get(BASE + path), 404)


def manager_writes(world) -> list[tuple[str, str, dict]]:
    """Writes only purchasers and admins make, with bodies that would succeed for them."""
    a = f"/agreements/{world.draft}"
    signed = f"/agreements/{world.agreement}"
    started = f"{signed}/indicators/{world.indicator['started']}"
    return [
        ("POST", "/agreements", AGREEMENT),
        ("PUT", a, {**AGREEMENT, "code": "SP-2"}),
        ("POST", f"{a}/transitions", {"to": "negotiation"}),
        ("POST", f"{signed}/amendments", {"reason": "More"}),
        ("POST", f"{a}/parties", {"organisation_id": world.org["x"], "role": "provider"}),
        ("POST", f"{a}/indicators", {"code": "c", "name": {"sv": "C"}, "unit": "count"}),
        ("PUT", f"{started}/targets", {"targets": []}),
        ("PUT", started, {"code": "started", "name": {"sv": "P"}, "unit": "count"}),
        ("DELETE", started, {}),
        ("PUT", f"{signed}/commitments/{world.commitment}", {
            "party_id": world.party["x"], "text": {"sv": "T"}}),
        ("DELETE", f"{signed}/commitments/{world.commitment}", {}),
        ("DELETE", f"{signed}/parties/{world.party['y']}", {}),
        ("POST", f"/reports/{world.report_y}/accept", {}),
        ("POST", f"/reports/{world.report_y}/return", {"comments": {"started": {"sv": "?"}}}),
    ]


def test_only_managers_write_agreements_and_review(world, as_, anonymous, snapshots):
    bearer = {**world.bearer("x"), "If-Match": '"any"'}
    clients = [(as_(key), {"If-Match": '"any"'}) for key in ("viewer", "rep_x", "rep_y")]
    clients.append((anonymous, bearer))
    with unchanged(snapshots):
        for method, path, body in manager_writes(world):
            for client, headers in clients:
                response = client.open(BASE + path, method=method, json=body, headers=headers)
                problem(response, 403)


def test_reporting_writes_need_the_report_scope_and_the_provider(world, anonymous, as_,
                                                                   snapshots):
    own = world.open_report("rep_x")
    read_only = {**world.bearer("x", scope="read"), "If-Match": '"any"'}
    y_client = {**world.bearer("y"), "If-Match": '"any"'}
    writes = [("POST", "/reports", open_body(world)),
              ("PUT", f"/reports/{own}", {"values": {}}),
              ("PATCH", f"/reports/{own}", {"values": {}}),
              ("POST", f"/reports/{own}/submit", {}),
              ("POST", f"/reports/{own}/corrections", None)]
    with unchanged(snapshots):
        for method, path, body in writes:
            problem(anonymous.open(BASE + path, method=method, json=body, headers=read_only), 403)
            if path != "/reports":
                problem(anonymous.open(BASE + path, method=method, json=body, headers=y_client), 404)
                problem(as_("purchaser").open(BASE + path, method=method, json=body,
                                              headers={"If-Match": '"any"'}), 403)


VALID = {"count": "10", "percent": "50", "money": "1000", "days": "12", "score": "3"}


def test_the_seeded_demo_client_submits_kustregionens_draft_report(app):
    """The published demo credentials: a token from /oauth/token, then the provider's draft
    report of ``kustregionen`` filled and submitted through the API."""
    import base64

    from samverkan.platform.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, seed

    with app.app_context():
        seed()
    api = app.test_client()
    credentials = base64.b64encode(f"{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}".encode()).decode()
    token = api.post("/oauth/token", data={"grant_type": "client_credentials",
                                           "scope": "read report"},
                     headers={"Authorization": f"Basic {credentials}"})
    assert token.status_code == 200, token.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    base = "/api/v1/t/kustregionen"
    drafts = api.get(f"{base}/reports?status=draft", headers=headers).get_json()
    assert drafts, "the demo has a draft report of the provider"
    report = drafts[0]
    values = api.get(f"{base}/reports/{report['id']}/values", headers=headers).get_json()
    submitted = api.post(f"{base}/reports/{report['id']}/submit", headers={
        **headers, "Idempotency-Key": "demo-submission-1"}, json={
        "values": {v["code"]: {"value": v["value"] or VALID[v["unit"]]} for v in values}})
    assert submitted.status_code == 200, submitted.get_data(as_text=True)
    assert submitted.get_json()["status"] == "submitted"
    others = api.get(f"{base}/reports?all_revisions=true", headers=headers).get_json()
    assert {r["organisation"]["id"] for r in others} == {report["organisation"]["id"]}
