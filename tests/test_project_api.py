"""The association-project JSON API: projects with funding, milestones and events; participants,
invitations and requests to join; participations and consent as the participant decides them;
benchmarks of shared library indicators. Permissions per role and per API client scope, 404 for
another tenant's ids, validation problems that write nothing, consent applied on every read
(nothing of a tenant without it, anonymised participants never named) and no aggregate below
the minimum group size.

The world: the association ``forbundet`` (a coordinator, an admin and a viewer) runs the project
``SP-2024`` (funding, a milestone, an event) with the library template ``started``; the
municipalities ``vasa``, ``malax`` and ``korsholm`` and the consortium ``kust`` (an admin and a
viewer each, ``<role>.<slug>@example.org``); ``other`` is another association with a project of
its own.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from samverkan.partnership import services as psvc
from samverkan.partnership.models import IndicatorTemplate
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user
from samverkan.tenants.project_models import Project
from samverkan.tenants.services import participation as part
from samverkan.tenants.services import projects as prj
from samverkan.tenants.services.participation import ConsentData

PROBLEM = "application/problem+json"
SIGN_IN_ONLY = {"users"}  # signing a test client in records the time of the sign-in
PARTICIPANTS = ("vasa", "malax", "korsholm", "kust")
NEW_PROJECT = {"code": "SP-2027", "name": {"sv": "Kompetens 2027", "fi": "Osaaminen 2027"},
               "starts_on": "2027-01-01", "ends_on": "2027-12-31"}


class World:
    def __init__(self, app, factory):
        self.app, self.factory = app, factory
        self.tenants = {"forbundet": factory.tenant("forbundet", kind="association", name={
            "sv": "Förbundet", "fi": "Liitto"})}
        for slug in PARTICIPANTS:
            kind = "consortium" if slug == "kust" else "municipality"
            self.tenants[slug] = factory.tenant(slug, kind=kind, name={
                "sv": f"Namn {slug}", "fi": f"Nimi {slug}"})
        self.tenants["other"] = factory.tenant("other", kind="association")
        for slug in ("forbundet", "other"):
            factory.user(f"coordinator.{slug}@example.org", tenant=self.tenants[slug],
                         roles=["coordinator"])
        for slug in ("forbundet", *PARTICIPANTS):
            factory.user(f"admin.{slug}@example.org", tenant=self.tenants[slug], roles=["admin"])
            factory.user(f"viewer.{slug}@example.org", tenant=self.tenants[slug],
                         roles=["viewer"])
        with self.scope("forbundet"):
            tenant, coordinator = self.tenant("forbundet"), self.p("coordinator")
            project = prj.create_project(tenant, coordinator, prj.ProjectData(
                code="SP-2024", name={"sv": "Strategiskt partnerskap", "fi": "Strateginen"},
                starts_on=date(2024, 1, 1), ends_on=date(2026, 12, 31), status="running"))
            prj.add_funding(tenant, coordinator, project, prj.FundingData(
                source={"fi": "Ministeriö"}, amount="150000"))
            prj.add_milestone(tenant, coordinator, project, prj.MilestoneData(
                title={"fi": "Väliraportti"}, due_date=date(2025, 6, 30)))
            prj.add_event(tenant, coordinator, project, prj.EventData(
                event_date=date(2025, 3, 12), title={"fi": "Seminaari"}, place="Vaasa"))
            db.session.add(IndicatorTemplate(
                tenant_id=tenant.id, code="started", version=1,
                name={"sv": "Påbörjade", "fi": "Aloittaneet"}, definition={}, unit="count",
                direction="higher", aggregation="sum"))
            db.session.commit()
            self.project_id = project.id
        with self.scope("other"):
            project = prj.create_project(self.tenant("other"), self.p("coordinator", "other"),
                                         prj.ProjectData(code="O-1", name={"fi": "Muu"},
                                                         starts_on=date(2024, 1, 1)))
            db.session.commit()
            self.other_project_id = project.id
        self.base = "/api/v1/t/forbundet"
        self.project_url = f"{self.base}/projects/{self.project_id}"

    @contextmanager
    def scope(self, slug: str):
        with self.app.app_context(), tenant_scope(self.tenants[slug].id):
            yield

    def tenant(self, slug: str) -> Tenant:
        return db.session.get(Tenant, self.tenants[slug].id)

    def id(self, slug: str) -> int:
        return self.tenants[slug].id

    def p(self, role: str, slug: str = "forbundet"):
        user = db.session.scalar(select(User).where(User.email == f"{role}.{slug}@example.org"))
        return principal_for_user(self.tenant(slug), user)

    def project(self) -> Project:
        return db.session.get(Project, self.project_id)

    def invite(self, slug: str) -> int:
        with self.scope("forbundet"):
            row = part.invite(self.tenant("forbundet"), self.p("coordinator"), self.project(),
                              self.tenant(slug))
            db.session.commit()
            return row.id

    def join(self, slug: str, codes=("started",), anonymised=False) -> int:
        participant_id = self.invite(slug)
        with self.scope(slug):
            part.accept(self.tenant(slug), self.p("admin", slug), participant_id,
                        ConsentData(list(codes), anonymised, False))
            db.session.commit()
        return participant_id

    def request(self, slug: str) -> int:
        with self.scope(slug):
            found = part.request_to_join(self.tenant(slug), self.p("admin", slug), self.project_id)
            db.session.commit()
            return found.participant_id

    def report(self, slug: str, values: dict[str, str], code: str = "started") -> None:
        """An agreement of ``slug`` with the indicator ``code`` adopted from forbundet's
        library, reported (period label -> value) and accepted."""
        factory = self.factory
        tenant = self.tenants[slug]
        purchaser = factory.organisation(tenant, kind="municipality")
        provider = factory.organisation(tenant, kind="provider")
        reporter = f"reporter.{slug}@example.org"
        factory.user(reporter, tenant=tenant, roles=["provider_reporter"],
                     organisation=SimpleNamespace(id=provider.id))
        with self.scope(slug):
            row, admin = self.tenant(slug), self.p("admin", slug)
            who = principal_for_user(row, db.session.scalar(select(User).where(
                User.email == reporter)))
            periods = {p.label: p.id for p in psvc.generate_periods(
                row, admin, 2024, 2025, frequency="quarter")}
            agreement = psvc.create_agreement(row, admin, psvc.AgreementData(
                code=f"A-{slug}", title={"sv": "Avtal", "fi": "Sopimus"},
                valid_from=date(2024, 1, 1), valid_to=date(2025, 12, 31)))
            psvc.add_party(row, admin, agreement, purchaser.id, "purchaser")
            psvc.add_party(row, admin, agreement, provider.id, "provider")
            indicator = psvc.add_indicator(row, admin, agreement, psvc.IndicatorData(
                code=code, name={"sv": code, "fi": code}, unit="count"))
            indicator.template_tenant_id = self.tenants["forbundet"].id
            indicator.template_code, indicator.template_version = code, 1
            psvc.transition_agreement(row, admin, agreement, "negotiation")
            psvc.sign(row, admin, agreement)
            psvc.sign(row, who, agreement)
            for label, value in values.items():
                report = psvc.open_report(row, who, agreement, periods[label])
                psvc.submit_report(row, who, report, values={code: value})
                psvc.accept_report(row, admin, report)
            db.session.commit()

    def bearer(self, slug: str = "forbundet", scope: str = "read") -> dict:
        client, _secret = self.factory.api_client(self.tenants[slug], scopes=("read", "report"))
        return {"Authorization": f"Bearer {self.factory.api_token(client, scope=scope)[1]}"}


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


@pytest.fixture
def as_(app, sign_in_as):
    """``as_(role, slug)``: a test client signed in as ``<role>.<slug>@example.org``."""
    clients = {}

    def make(role: str, slug: str = "forbundet"):
        if (role, slug) not in clients:
            clients[role, slug] = app.test_client()
            sign_in_as(clients[role, slug], f"{role}.{slug}@example.org")
        return clients[role, slug]

    return make


@pytest.fixture
def anonymous(app):
    return app.test_client()


@pytest.fixture
def benchmark_world(world) -> dict:
    """vasa (named), malax (anonymised) and korsholm (named) share ``started``; kust takes part
    but shares nothing of it. Returns their participant ids."""
    ids = {"vasa": world.join("vasa"), "malax": world.join("malax", anonymised=True),
           "korsholm": world.join("korsholm"), "kust": world.join("kust", codes=())}
    for slug, value in (("vasa", "10"), ("malax", "20"), ("korsholm", "30"), ("kust", "99")):
        world.report(slug, {"2025 Q1": value, "2025 Q2": "1"})
    return ids


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

P = "/projects/{project_id}"
Q = "/participations/{participant_id}"
PATHS = {
    ("/projects", "get"), ("/projects", "post"), (P, "get"), (P, "patch"),
    (P + "/participants", "get"), (P + "/participants", "post"), (P + "/invite-candidates", "get"),
    (P + "/participants/{participant_id}/approve", "post"),
    (P + "/participants/{participant_id}/reject", "post"), (P + "/benchmarks", "get"),
    ("/participations", "get"), ("/participations/joinable", "get"),
    ("/participations/requests", "post"), (Q, "get"), (Q + "/accept", "post"),
    (Q + "/decline", "post"), (Q + "/leave", "post"), (Q + "/consent", "get"),
    (Q + "/consent", "put"), (Q + "/consent", "delete"), (Q + "/consent/history", "get"),
    (Q + "/benchmarks", "get"),
}


def test_the_openapi_document_lists_every_endpoint_with_examples(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path, method in PATHS:
        operation = paths["/api/v1/t/{slug}" + path][method]
        assert operation["summary"], (method, path)
        assert operation["description"], (method, path)
        assert operation["tags"], (method, path)
        assert {"401", "403", "404"} <= set(operation["responses"]), (method, path)
        success = next(code for code in operation["responses"] if code.startswith("2"))
        content = operation["responses"][success]["content"]["application/json"]
        assert content["example"], (method, path)
        if "requestBody" in operation:
            assert operation["requestBody"]["content"]["application/json"]["example"], (method, path)
            assert "422" in operation["responses"], (method, path)
    assert {"412", "428", "409"} <= set(paths["/api/v1/t/{slug}" + P]["patch"]["responses"])
    benchmark = paths["/api/v1/t/{slug}" + P + "/benchmarks"]["get"]
    assert {"code", "period"} <= {p["name"] for p in benchmark["parameters"]}
    schema = spec["components"]["schemas"]["Benchmark"]["properties"]
    assert {"distribution", "points", "position", "reason"} <= set(schema)
    assert {"Association projects", "Project participants", "Participations and consent",
            "Benchmarks"} <= {tag["name"] for tag in spec["tags"]}


# --- projects --------------------------------------------------------------------------------


def test_members_of_the_association_list_and_read_projects(world, as_, anonymous):
    viewer = as_("viewer")
    listed = viewer.get(f"{world.base}/projects")
    assert listed.status_code == 200
    assert [p["code"] for p in listed.get_json()] == ["SP-2024"]
    assert viewer.get(f"{world.base}/projects?status=closed").get_json() == []
    assert [p["code"] for p in viewer.get(f"{world.base}/projects?q=strateg").get_json()] == [
        "SP-2024"]
    body = viewer.get(world.project_url).get_json()
    assert body["name"] == {"sv": "Strategiskt partnerskap", "fi": "Strateginen"}
    assert [(f["source"], f["amount"], f["currency"]) for f in body["funding"]] == [
        ({"fi": "Ministeriö"}, "150000.00", "EUR")]
    assert body["funding_total"] == {"EUR": "150000.00"}
    assert [(m["title"], m["due_date"], m["status"]) for m in body["milestones"]] == [
        ({"fi": "Väliraportti"}, "2025-06-30", "planned")]
    assert [(e["event_date"], e["place"]) for e in body["events"]] == [("2025-03-12", "Vaasa")]
    # An API client of the association reads with the read scope.
    assert anonymous.get(world.project_url, headers=world.bearer()).status_code == 200
    problem(anonymous.get(world.project_url, headers=world.bearer(scope="report")), 403)
    problem(anonymous.get(world.project_url), 401)


def test_another_tenants_project_is_not_found(world, as_):
    coordinator = as_("coordinator")
    other = f"{world.base}/projects/{world.other_project_id}"
    for url in (other, other + "/participants", other + "/benchmarks?code=started&period=2025"):
        problem(coordinator.get(url), 404)
    problem(coordinator.patch(other, json={"status": "closed"}, headers={"If-Match": '"x"'}), 404)
    # The other association's coordinator does not see forbundet's project either.
    problem(as_("coordinator", "other").get(
        f"/api/v1/t/other/projects/{world.project_id}"), 404)
    # Not a member of forbundet: 404 on its URLs.
    problem(as_("coordinator", "other").get(world.project_url), 404)


def test_projects_are_for_association_tenants(world, as_):
    problem(as_("admin", "vasa").get("/api/v1/t/vasa/projects"), 403)
    problem(as_("admin", "vasa").post("/api/v1/t/vasa/projects", json=NEW_PROJECT), 403)


def test_a_coordinator_creates_a_project_and_others_cannot(world, as_, anonymous, snapshots):
    for role in ("viewer", "admin"):
        with unchanged(snapshots):
            problem(as_(role).post(f"{world.base}/projects", json=NEW_PROJECT), 403)
    bearer = world.bearer()
    with unchanged(snapshots):
        problem(anonymous.post(f"{world.base}/projects", json=NEW_PROJECT, headers=bearer), 403)
    response = as_("coordinator").post(f"{world.base}/projects", json=NEW_PROJECT)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "planning" and body["min_group_size"] == 3
    assert body["funding"] == [] and body["funding_total"] == {}
    assert as_("viewer").get(response.headers["Location"]).get_json()["code"] == "SP-2027"


@pytest.mark.parametrize("change, field", [
    ({"code": "SP-2024"}, "code"),
    ({"ends_on": "2026-01-01"}, "ends_on"),
    ({"name": {}}, "name"),
    ({"min_group_size": 2}, "min_group_size"),
    ({"status": "paused"}, "status"),
    ({"starts_on": "soon"}, "starts_on"),
    ({"extra": 1}, "extra"),
])
def test_project_validation_errors_write_nothing(world, as_, snapshots, change, field):
    coordinator = as_("coordinator", "forbundet")
    with unchanged(snapshots):
        body = problem(coordinator.post(f"{world.base}/projects", json={**NEW_PROJECT, **change}),
                       422)
    assert field in body["errors"], body


def test_validation_messages_are_in_the_requesters_language(world, as_, snapshots):
    coordinator = as_("coordinator")
    with unchanged(snapshots):
        body = problem(coordinator.post(f"{world.base}/projects", json={"code": "X"},
                                        headers={"Accept-Language": "sv"}), 422)
    assert set(body["errors"]) == {"name", "starts_on"}
    assert body["errors"]["starts_on"] != ["Missing data for required field."]


def test_updating_a_project_needs_the_current_etag(world, as_, snapshots):
    coordinator = as_("coordinator")
    etag = coordinator.get(world.project_url).headers["ETag"]
    with unchanged(snapshots):
        problem(coordinator.patch(world.project_url, json={"min_group_size": 4}), 428)
        problem(coordinator.patch(world.project_url, json={"min_group_size": 4},
                                  headers={"If-Match": '"stale"'}), 412)
        problem(as_("viewer").patch(world.project_url, json={"min_group_size": 4},
                                    headers={"If-Match": etag}), 403)
        body = problem(coordinator.patch(world.project_url, json={"min_group_size": 1},
                                         headers={"If-Match": etag}), 422)
        assert "min_group_size" in body["errors"]
    response = coordinator.patch(world.project_url, json={"min_group_size": 4},
                                 headers={"If-Match": etag})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["min_group_size"] == 4 and body["code"] == "SP-2024"
    assert body["name"] == {"sv": "Strategiskt partnerskap", "fi": "Strateginen"}
    etag = response.headers["ETag"]
    closed = coordinator.patch(world.project_url, json={"status": "closed"},
                               headers={"If-Match": etag})
    assert closed.get_json()["status"] == "closed"
    with unchanged(snapshots):
        problem(coordinator.patch(world.project_url, json={"status": "running"},
                                  headers={"If-Match": closed.headers["ETag"]}), 409)
        problem(coordinator.post(f"{world.project_url}/participants",
                                 json={"participant_tenant_id": world.id("vasa")}), 409)


# --- participants ----------------------------------------------------------------------------


def test_a_coordinator_invites_and_the_participants_are_listed(world, as_, snapshots):
    coordinator = as_("coordinator")
    candidates = coordinator.get(f"{world.project_url}/invite-candidates").get_json()
    assert {c["tenant_id"] for c in candidates} == {world.id(s) for s in PARTICIPANTS}
    with unchanged(snapshots):
        problem(as_("viewer").post(f"{world.project_url}/participants",
                                   json={"participant_tenant_id": world.id("vasa")}), 403)
        problem(as_("viewer").get(f"{world.project_url}/invite-candidates"), 403)
        for target in (world.id("other"), world.id("forbundet"), 987654):
            body = problem(coordinator.post(f"{world.project_url}/participants",
                                            json={"participant_tenant_id": target}), 422)
            assert "participant_tenant_id" in body["errors"]
        problem(coordinator.post(f"{world.project_url}/participants", json={}), 422)
    response = coordinator.post(f"{world.project_url}/participants",
                                json={"participant_tenant_id": world.id("vasa")})
    assert response.status_code == 201, response.get_data(as_text=True)
    invited = response.get_json()
    assert invited["status"] == "invited" and invited["name"]["sv"] == "Namn vasa"
    assert invited["consent"] is None
    with unchanged(snapshots):  # invited already: no longer a candidate
        problem(coordinator.post(f"{world.project_url}/participants",
                                 json={"participant_tenant_id": world.id("vasa")}), 422)
    listed = as_("viewer").get(f"{world.project_url}/participants").get_json()
    assert [(p["id"], p["status"]) for p in listed] == [(invited["id"], "invited")]


def test_a_coordinator_approves_or_rejects_requests_to_join(world, as_, snapshots):
    vasa, malax = world.request("vasa"), world.request("malax")
    url = f"{world.project_url}/participants"
    with unchanged(snapshots):
        problem(as_("viewer").post(f"{url}/{vasa}/approve"), 403)
        problem(as_("admin").post(f"{url}/{vasa}/reject"), 403)
    approved = as_("coordinator").post(f"{url}/{vasa}/approve")
    assert approved.status_code == 200, approved.get_data(as_text=True)
    assert approved.get_json()["status"] == "active"
    rejected = as_("coordinator").post(f"{url}/{malax}/reject")
    assert rejected.get_json()["status"] == "declined"
    with unchanged(snapshots):
        problem(as_("coordinator").post(f"{url}/{vasa}/approve"), 409)
        problem(as_("coordinator").post(f"{url}/{vasa}/reject"), 409)


def test_another_projects_participant_is_not_found(world, as_, snapshots):
    vasa = world.request("vasa")
    with world.scope("other"):
        other = part.invite(world.tenant("other"), world.p("coordinator", "other"),
                            db.session.get(Project, world.other_project_id), world.tenant("malax"))
        db.session.commit()
        other_id = other.id
    with unchanged(snapshots):
        problem(as_("coordinator").post(
            f"{world.project_url}/participants/{other_id}/approve"), 404)
        problem(as_("coordinator", "other").post(
            f"/api/v1/t/other/projects/{world.other_project_id}/participants/{vasa}/approve"), 404)


# --- participations and consent --------------------------------------------------------------


def test_the_invited_tenant_reads_and_accepts_with_its_consent(world, as_, anonymous, snapshots):
    participant_id = world.invite("vasa")
    base = "/api/v1/t/vasa/participations"
    listed = as_("viewer", "vasa").get(base).get_json()
    assert [(p["participant_id"], p["status"], p["project"]["code"], p["association"]["name"])
            for p in listed] == [(participant_id, "invited", "SP-2024",
                                  {"sv": "Förbundet", "fi": "Liitto"})]
    assert listed[0]["consent"]["in_force"] is False
    assert anonymous.get(base, headers=world.bearer("vasa")).status_code == 200
    consent = {"consent": {"indicator_codes": ["started"], "anonymised": True}}
    bearer = world.bearer("vasa")
    with unchanged(snapshots):
        problem(as_("viewer", "vasa").post(f"{base}/{participant_id}/accept", json=consent), 403)
        problem(anonymous.post(f"{base}/{participant_id}/accept", json=consent,
                               headers=bearer), 403)
        body = problem(as_("admin", "vasa").post(f"{base}/{participant_id}/accept", json={
            "consent": {"indicator_codes": ["not a code!"]}}), 422)
        assert "indicator_codes" in body["errors"]
        problem(as_("admin", "vasa").post(f"{base}/{participant_id}/accept", json={
            "consent": {"indicator_codes": "started"}}), 422)
    response = as_("admin", "vasa").post(f"{base}/{participant_id}/accept", json=consent)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "active"
    assert body["consent"]["in_force"] and body["consent"]["anonymised"]
    assert body["consent"]["indicator_codes"] == ["started"]
    assert body["consent"]["granted_by"] == "admin.vasa@example.org"
    with unchanged(snapshots):
        problem(as_("admin", "vasa").post(f"{base}/{participant_id}/accept", json=consent), 409)
        problem(as_("admin", "vasa").post(f"{base}/{participant_id}/decline"), 409)
    coordinator_view = as_("coordinator").get(f"{world.project_url}/participants").get_json()
    # What an anonymised participant shares is not shown to the coordinator.
    assert coordinator_view[0]["consent"]["indicator_codes"] is None
    assert coordinator_view[0]["consent"]["share_goal_statuses"] is None
    assert coordinator_view[0]["consent"]["anonymised"] is True


def test_declining_and_leaving(world, as_, snapshots):
    kust, malax = world.invite("kust"), world.join("malax")
    declined = as_("admin", "kust").post(f"/api/v1/t/kust/participations/{kust}/decline")
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    left = as_("admin", "malax").post(f"/api/v1/t/malax/participations/{malax}/leave")
    assert left.status_code == 200, left.get_data(as_text=True)
    assert left.get_json()["status"] == "left"
    assert left.get_json()["consent"]["in_force"] is False
    with unchanged(snapshots):
        problem(as_("admin", "malax").post(f"/api/v1/t/malax/participations/{malax}/leave"), 409)


def test_another_tenants_participation_is_not_found(world, as_, snapshots):
    vasa, malax = world.join("vasa"), world.invite("malax")
    admin = as_("admin", "vasa")
    base = "/api/v1/t/vasa/participations"
    with unchanged(snapshots):
        for method, path, body in (
                ("get", "", None), ("post", "/accept", {}), ("post", "/decline", None),
                ("post", "/leave", None), ("get", "/consent", None),
                ("put", "/consent", {"indicator_codes": []}), ("delete", "/consent", None),
                ("get", "/consent/history", None),
                ("get", "/benchmarks?code=started&period=2025", None)):
            problem(admin.open(f"{base}/{malax}{path}", method=method.upper(), json=body), 404)
    # The association's member reaches no participation of its own.
    problem(as_("coordinator").get(f"/api/v1/t/forbundet/participations/{vasa}"), 403)
    assert [p["participant_id"] for p in admin.get(base).get_json()] == [vasa]


def test_a_tenant_asks_to_join(world, as_, snapshots):
    base = "/api/v1/t/kust/participations"
    joinable = as_("viewer", "kust").get(f"{base}/joinable").get_json()
    assert [(j["project"]["id"], j["association"]["id"]) for j in joinable] == [
        (world.project_id, world.id("forbundet")), (world.other_project_id, world.id("other"))]
    request = {"project_id": world.project_id, "consent": {"indicator_codes": ["started"]}}
    with unchanged(snapshots):
        problem(as_("viewer", "kust").post(f"{base}/requests", json=request), 403)
        body = problem(as_("admin", "kust").post(f"{base}/requests",
                                                 json={"project_id": 987654}), 422)
        assert "project_id" in body["errors"]
        problem(as_("admin", "kust").post(f"{base}/requests", json={}), 422)
    response = as_("admin", "kust").post(f"{base}/requests", json=request)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "requested" and body["consent"]["indicator_codes"] == ["started"]
    assert as_("admin", "kust").get(response.headers["Location"]).get_json()["status"] == "requested"
    with unchanged(snapshots):  # asked already
        problem(as_("admin", "kust").post(f"{base}/requests", json=request), 422)
    listed = as_("coordinator").get(f"{world.project_url}/participants").get_json()
    assert [(p["participant_tenant_id"], p["status"]) for p in listed] == [
        (world.id("kust"), "requested")]


def test_consent_is_granted_narrowed_withdrawn_and_its_history_listed(world, as_, snapshots):
    participant_id = world.join("vasa", codes=("started", "employed"))
    url = f"/api/v1/t/vasa/participations/{participant_id}/consent"
    admin = as_("admin", "vasa")
    assert admin.get(url).get_json()["indicator_codes"] == ["employed", "started"]
    with unchanged(snapshots):
        problem(as_("viewer", "vasa").put(url, json={"indicator_codes": ["started"]}), 403)
        problem(as_("viewer", "vasa").delete(url), 403)
        problem(admin.put(url, json={"indicator_codes": ["bad code"]}), 422)
        problem(admin.put(url, json={"anonymised": "perhaps"}), 422)
        problem(admin.put(url, json={"surprise": True}), 422)
    narrowed = admin.put(url, json={"indicator_codes": ["started"], "share_goal_statuses": True})
    assert narrowed.status_code == 200, narrowed.get_data(as_text=True)
    assert narrowed.get_json()["indicator_codes"] == ["started"]
    assert narrowed.get_json()["share_goal_statuses"] is True
    withdrawn = admin.delete(url)
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["in_force"] is False and withdrawn.get_json()["withdrawn_at"]
    assert admin.get(url).get_json()["in_force"] is False
    with unchanged(snapshots):
        problem(admin.delete(url), 409)
    history = as_("viewer", "vasa").get(url + "/history").get_json()
    assert [(h["indicator_codes"], h["in_force"]) for h in history] == [
        (["started"], False), (["employed", "started"], False)]
    listed = as_("coordinator").get(f"{world.project_url}/participants").get_json()
    assert listed[0]["consent"] is None and listed[0]["consent_withdrawn"] is True


# --- benchmarks ------------------------------------------------------------------------------


def test_the_coordinator_sees_the_distribution_of_consenting_participants(
        world, benchmark_world, as_, anonymous):
    url = f"{world.project_url}/benchmarks?code=started&period=2025 Q1"
    response = as_("viewer").get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["distribution"] == {"count": 3, "min": "10.0000", "q1": "15.0000",
                                    "median": "20.0000", "q3": "25.0000", "max": "30.0000"}
    assert body["direction"] == "higher" and body["unit"] == "count"
    assert body["reason"] is None and body["position"] is None
    assert [(p["label"], p["value"], p["own"]) for p in body["points"]] == [
        ({"sv": "Namn vasa", "fi": "Nimi vasa"}, "10.0000", False),
        (None, "20.0000", False),
        ({"sv": "Namn korsholm", "fi": "Nimi korsholm"}, "30.0000", False)]
    text = response.get_data(as_text=True)
    # Anonymised: never named; no consent for the code: nothing of the tenant at all.
    for hidden in ("Namn malax", "Nimi malax", "Namn kust", "Nimi kust", "99"):
        assert hidden not in text
    assert str(world.id("malax")) not in {str(p.get("token")) for p in body["points"]}
    # A year adds up the quarters.
    year = as_("viewer").get(f"{world.project_url}/benchmarks?code=started&period=2025")
    assert year.get_json()["distribution"]["median"] == "21.0000"
    assert anonymous.get(url, headers=world.bearer()).status_code == 200


def test_benchmark_queries_are_validated(world, as_, snapshots):
    with unchanged(snapshots):
        body = problem(as_("viewer").get(f"{world.project_url}/benchmarks"), 422)
        assert {"code", "period"} <= set(body["errors"])
        problem(as_("viewer").get(f"{world.project_url}/benchmarks?code=started&period=soon"),
                422)
    unknown = as_("viewer").get(f"{world.project_url}/benchmarks?code=nope&period=2025").get_json()
    assert unknown["reason"] == "unknown_indicator" and unknown["points"] == []


def test_below_the_minimum_group_size_no_aggregate_is_returned(world, benchmark_world, as_):
    world_url = f"{world.project_url}/benchmarks?code=started&period=2025 Q1"
    with world.scope("korsholm"):
        part.withdraw_consent(world.tenant("korsholm"), world.p("admin", "korsholm"),
                              benchmark_world["korsholm"])
        db.session.commit()
    body = as_("viewer").get(world_url).get_json()
    assert body["distribution"] is None and body["points"] == []
    assert body["position"] is None and body["reason"] == "below_min_group_size"
    text = json.dumps(body)
    for hidden in ("Namn", "Nimi", "10.0000", "20.0000", "30.0000"):
        assert hidden not in text
    own = as_("admin", "vasa").get(
        f"/api/v1/t/vasa/participations/{benchmark_world['vasa']}/benchmarks"
        "?code=started&period=2025 Q1").get_json()
    assert own["distribution"] is None and own["points"] == [] and own["position"] is None


def test_a_raised_minimum_group_size_hides_the_aggregate(world, benchmark_world, as_):
    coordinator = as_("coordinator")
    etag = coordinator.get(world.project_url).headers["ETag"]
    coordinator.patch(world.project_url, json={"min_group_size": 4}, headers={"If-Match": etag})
    body = coordinator.get(f"{world.project_url}/benchmarks?code=started&period=2025 Q1").get_json()
    assert body["reason"] == "below_min_group_size" and body["points"] == []


def test_a_participant_sees_its_own_position(world, benchmark_world, as_, anonymous):
    url = (f"/api/v1/t/malax/participations/{benchmark_world['malax']}/benchmarks"
           "?code=started&period=2025 Q1")
    response = as_("viewer", "malax").get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["position"] == {"value": "20.0000", "rank": 2, "count": 3,
                                "band": "upper_middle"}
    assert [(p["label"], p["own"]) for p in body["points"]] == [
        ({"sv": "Namn vasa", "fi": "Nimi vasa"}, False), (None, True),
        ({"sv": "Namn korsholm", "fi": "Nimi korsholm"}, False)]
    assert anonymous.get(url, headers=world.bearer("malax")).status_code == 200
    # kust shares nothing of the code: it sees the others, but no position of its own.
    kust = as_("admin", "kust").get(
        f"/api/v1/t/kust/participations/{benchmark_world['kust']}/benchmarks"
        "?code=started&period=2025 Q1").get_json()
    assert kust["position"] is None and "99" not in json.dumps(kust)
    assert "Namn malax" not in json.dumps(kust)


def test_a_withdrawal_removes_the_data_at_once(world, benchmark_world, as_):
    url = f"{world.project_url}/benchmarks?code=started&period=2025 Q1"
    before = as_("coordinator").get(url).get_json()
    assert before["distribution"]["count"] == 3
    with world.scope("vasa"):
        part.leave(world.tenant("vasa"), world.p("admin", "vasa"), benchmark_world["vasa"])
        db.session.commit()
    after = as_("coordinator").get(url).get_json()
    assert after["distribution"] is None and "Namn vasa" not in json.dumps(after)
    problem(as_("admin", "vasa").get(
        f"/api/v1/t/vasa/participations/{benchmark_world['vasa']}/benchmarks"
        "?code=started&period=2025 Q1"), 409)
