"""The shared indicator library JSON API: an association publishes versioned indicator and
agreement templates; a tenant lists the templates it may use, adopts them into an agreement and
later takes a newer version or keeps its own. Permissions per role and per API client scope,
another tenant's library and agreements unreachable, validation problems that write nothing,
and the OpenAPI document.

The world: the association ``forbundet`` (a coordinator, an admin and a viewer) publishes
``employed`` and ``started`` and the agreement template ``SP-BASE`` holding both; ``vasa`` (an
admin and a viewer) is invited to forbundet's project, so it may use forbundet's library, and
has a draft agreement ``A-1``; ``malax`` takes part in nothing; ``other`` is another association
with a library of its own.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import select

from samverkan.partnership import services as psvc
from samverkan.partnership.models import Agreement, Indicator
from samverkan.partnership.services import library
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user
from samverkan.tenants.services import participation as part
from samverkan.tenants.services import projects as prj

PROBLEM = "application/problem+json"
SIGN_IN_ONLY = {"users"}
LIB = "/api/v1/t/forbundet/library"
EMPLOYED = {"name": {"sv": "Sysselsatta", "fi": "Työllistyneet"},
            "definition": {"sv": "Andel i arbete.", "fi": "Osuus työssä."},
            "unit": "percent", "direction": "higher", "aggregation": "average"}
NEW_TEMPLATE = {"code": "dropped", "name": {"sv": "Avbrutna", "fi": "Keskeyttäneet"},
                "unit": "count", "direction": "lower", "aggregation": "sum"}


class World:
    def __init__(self, app, factory):
        self.app, self.factory = app, factory
        self.tenants = {
            "forbundet": factory.tenant("forbundet", kind="association",
                                        name={"sv": "Förbundet", "fi": "Liitto"}),
            "vasa": factory.tenant("vasa", name={"sv": "Vasa stad", "fi": "Vaasan kaupunki"}),
            "malax": factory.tenant("malax"),
            "other": factory.tenant("other", kind="association",
                                    name={"sv": "Andra förbundet", "fi": "Toinen liitto"}),
        }
        for slug in ("forbundet", "other"):
            factory.user(f"coordinator.{slug}@example.org", tenant=self.tenants[slug],
                         roles=["coordinator"])
        for slug in ("forbundet", "vasa", "malax"):
            factory.user(f"admin.{slug}@example.org", tenant=self.tenants[slug], roles=["admin"])
            factory.user(f"viewer.{slug}@example.org", tenant=self.tenants[slug],
                         roles=["viewer"])
        with self.scope("forbundet"):
            tenant, coordinator = self.tenant("forbundet"), self.p("coordinator")
            employed = library.publish_indicator_template(tenant, coordinator, library.IndicatorTemplateData(
                code="employed", **EMPLOYED))
            started = library.publish_indicator_template(tenant, coordinator, library.IndicatorTemplateData(
                code="started", name={"sv": "Påbörjade", "fi": "Aloittaneet"}, definition={},
                unit="count", direction="higher", aggregation="sum"))
            base = library.publish_agreement_template(tenant, coordinator, library.AgreementTemplateData(
                code="SP-BASE", name={"sv": "Grundmått", "fi": "Perusmittarit"}, description={},
                indicator_template_ids=[employed.id, started.id]))
            project = prj.create_project(tenant, coordinator, prj.ProjectData(
                code="SP-2024", name={"fi": "Hanke"}, starts_on=date(2024, 1, 1),
                status="running"))
            part.invite(tenant, coordinator, project, self.tenant("vasa"))
            db.session.commit()
            self.employed, self.started, self.base = employed.id, started.id, base.id
        with self.scope("other"):
            other = library.publish_indicator_template(
                self.tenant("other"), self.p("coordinator", "other"),
                library.IndicatorTemplateData(code="other-only", name={"fi": "Muu"},
                                              definition={}, unit="count", direction="higher",
                                              aggregation="sum"))
            db.session.commit()
            self.other_template = other.id
        self.agreement = {slug: self.draft(slug) for slug in ("vasa", "malax")}

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

    def draft(self, slug: str) -> int:
        with self.scope(slug):
            agreement = psvc.create_agreement(self.tenant(slug), self.p("admin", slug),
                                              psvc.AgreementData(
                code="A-1", title={"sv": "Avtal", "fi": "Sopimus"}, valid_from=date(2025, 1, 1)))
            db.session.commit()
            return agreement.id

    def publish(self, code: str = "employed", **changes) -> int:
        with self.scope("forbundet"):
            template = library.publish_indicator_template(
                self.tenant("forbundet"), self.p("coordinator"),
                library.IndicatorTemplateData(code=code, **{**EMPLOYED, **changes}))
            db.session.commit()
            return template.id

    def indicators(self, slug: str = "vasa") -> list[tuple]:
        with self.scope(slug):
            return [(i.code, i.template_code, i.template_version, i.template_kept_version)
                    for i in db.session.scalars(select(Indicator).where(
                        Indicator.agreement_id == self.agreement[slug]).order_by(Indicator.id))]

    def bearer(self, slug: str = "forbundet", scope: str = "read") -> dict:
        client, _secret = self.factory.api_client(self.tenants[slug], scopes=("read", "report"))
        return {"Authorization": f"Bearer {self.factory.api_token(client, scope=scope)[1]}"}

    def adopt_url(self, slug: str = "vasa") -> str:
        return f"/api/v1/t/{slug}/agreements/{self.agreement[slug]}/indicators/adopt"


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


@pytest.fixture
def as_(app, sign_in_as):
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


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    return body


def unchanged(snapshots):
    class Unchanged:
        def __enter__(self):
            self.before = snapshots.take()

        def __exit__(self, *exc):
            if exc[0] is None:
                changes = snapshots.changes(self.before, snapshots.take())
                assert {k: v for k, v in changes.items() if k not in SIGN_IN_ONLY} == {}

    return Unchanged()


# --- OpenAPI ---------------------------------------------------------------------------------

IND = "/agreements/{agreement_id}/indicators/{indicator_id}"
PATHS = {
    ("/library/indicator-templates", "get"), ("/library/indicator-templates", "post"),
    ("/library/indicator-templates/{code}", "get"),
    ("/library/indicator-templates/{code}/versions", "post"),
    ("/library/agreement-templates", "get"), ("/library/agreement-templates", "post"),
    ("/library/agreement-templates/{code}", "get"),
    ("/library/agreement-templates/{code}/versions", "post"),
    ("/library/available", "get"), ("/agreements/{agreement_id}/indicators/adopt", "post"),
    (IND + "/library", "get"), (IND + "/upgrade", "post"), (IND + "/keep", "post"),
}


def test_the_openapi_document_lists_every_endpoint_with_examples(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, method in PATHS:
        operation = spec["paths"]["/api/v1/t/{slug}" + path][method]
        assert operation["summary"] and operation["description"] and operation["tags"], path
        assert {"401", "403", "404"} <= set(operation["responses"]), (method, path)
        success = next(code for code in operation["responses"] if code.startswith("2"))
        assert operation["responses"][success]["content"]["application/json"]["example"], path
        if "requestBody" in operation:
            assert operation["requestBody"]["content"]["application/json"]["example"], path
            assert "422" in operation["responses"], (method, path)
    assert {"Indicator library", "Adopting library indicators"} <= {
        tag["name"] for tag in spec["tags"]}


# --- the association's library ---------------------------------------------------------------


def test_members_of_the_association_read_its_library(world, as_, anonymous):
    listed = as_("viewer").get(f"{LIB}/indicator-templates")
    assert listed.status_code == 200
    assert [(t["code"], t["version"], t["association"]["id"]) for t in listed.get_json()] == [
        ("employed", 1, world.id("forbundet")), ("started", 1, world.id("forbundet"))]
    assert anonymous.get(f"{LIB}/indicator-templates", headers=world.bearer()).status_code == 200
    problem(anonymous.get(f"{LIB}/indicator-templates", headers=world.bearer(scope="report")),
            403)
    problem(anonymous.get(f"{LIB}/indicator-templates"), 401)
    detail = as_("viewer").get(f"{LIB}/indicator-templates/employed").get_json()
    assert detail["latest"]["name"] == EMPLOYED["name"]
    assert [(v["version"], v["differences"]) for v in detail["versions"]] == [(1, None)]
    sets = as_("viewer").get(f"{LIB}/agreement-templates").get_json()
    assert [(s["code"], [i["code"] for i in s["indicators"]]) for s in sets] == [
        ("SP-BASE", ["employed", "started"])]
    history = as_("viewer").get(f"{LIB}/agreement-templates/SP-BASE").get_json()
    assert [v["version"] for v in history["versions"]] == [1]


def test_another_librarys_templates_are_not_found(world, as_):
    for url in (f"{LIB}/indicator-templates/other-only", f"{LIB}/agreement-templates/nope",
                f"{LIB}/indicator-templates/nope"):
        problem(as_("coordinator").get(url), 404)
    problem(as_("coordinator").post(f"{LIB}/indicator-templates/other-only/versions",
                                    json=EMPLOYED), 404)
    problem(as_("coordinator", "other").get("/api/v1/t/other/library/indicator-templates/employed"),
            404)
    # A municipality has no library of its own.
    problem(as_("admin", "vasa").get("/api/v1/t/vasa/library/indicator-templates"), 403)


def test_a_coordinator_publishes_and_others_cannot(world, as_, anonymous, snapshots):
    bearer = world.bearer()
    with unchanged(snapshots):
        for role in ("viewer", "admin"):
            problem(as_(role).post(f"{LIB}/indicator-templates", json=NEW_TEMPLATE), 403)
        problem(anonymous.post(f"{LIB}/indicator-templates", json=NEW_TEMPLATE, headers=bearer),
                403)
        problem(as_("admin", "vasa").post("/api/v1/t/vasa/library/indicator-templates",
                                          json=NEW_TEMPLATE), 403)
    response = as_("coordinator").post(f"{LIB}/indicator-templates", json=NEW_TEMPLATE)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["code"], body["version"], body["direction"]) == ("dropped", 1, "lower")
    assert as_("viewer").get(response.headers["Location"]).get_json()["latest"]["id"] == body["id"]


@pytest.mark.parametrize("change, field", [
    ({"code": "employed"}, "code"),
    ({"code": "bad code!"}, "code"),
    ({"unit": "litres"}, "unit"),
    ({"name": {}}, "name"),
    ({"direction": "sideways"}, "direction"),
    ({"extra": True}, "extra"),
])
def test_template_validation_errors_write_nothing(world, as_, snapshots, change, field):
    with unchanged(snapshots):
        body = problem(as_("coordinator").post(f"{LIB}/indicator-templates",
                                               json={**NEW_TEMPLATE, **change}), 422)
    assert field in body["errors"], body


def test_a_new_version_shows_what_differs(world, as_, snapshots):
    url = f"{LIB}/indicator-templates/employed/versions"
    with unchanged(snapshots):
        body = problem(as_("coordinator").post(url, json=EMPLOYED), 422)
        assert "template" in body["errors"]
        problem(as_("viewer").post(url, json={**EMPLOYED, "unit": "count"}), 403)
    response = as_("coordinator").post(url, json={
        **EMPLOYED, "definition": {"sv": "Andel i arbete eller studier.", "fi": "Osuus työssä."},
        "change_note": {"sv": "Studier räknas."}})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["latest"]["version"] == 2
    assert body["versions"][1]["differences"] == [
        {"field": "definition", "locale": "sv", "old": "Andel i arbete.",
         "new": "Andel i arbete eller studier."}]


def test_agreement_templates_are_published_from_the_own_library(world, as_, snapshots):
    url = f"{LIB}/agreement-templates"
    new = {"code": "SP-EMP", "name": {"fi": "Työllisyys"}, "indicator_template_ids": [world.employed]}
    with unchanged(snapshots):
        for ids in ([world.other_template], [], [world.employed, world.employed]):
            body = problem(as_("coordinator").post(url, json={**new, "indicator_template_ids": ids}),
                           422)
            assert "indicator_template_ids" in body["errors"]
        problem(as_("coordinator").post(url, json={**new, "code": "SP-BASE"}), 422)
        problem(as_("viewer").post(url, json=new), 403)
    created = as_("coordinator").post(url, json=new)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert [i["code"] for i in created.get_json()["indicators"]] == ["employed"]
    version = as_("coordinator").post(f"{url}/SP-EMP/versions", json={
        "name": {"fi": "Työllisyys"}, "indicator_template_ids": [world.employed, world.started]})
    assert version.status_code == 201, version.get_data(as_text=True)
    assert [v["version"] for v in version.get_json()["versions"]] == [1, 2]


# --- adopting --------------------------------------------------------------------------------


def test_a_tenant_lists_the_templates_of_the_libraries_it_may_use(world, as_, anonymous):
    body = as_("viewer", "vasa").get("/api/v1/t/vasa/library/available").get_json()
    assert [(t["code"], t["association"]["name"]["sv"]) for t in body["indicator_templates"]] == [
        ("employed", "Förbundet"), ("started", "Förbundet")]
    assert [t["code"] for t in body["agreement_templates"]] == ["SP-BASE"]
    assert anonymous.get("/api/v1/t/vasa/library/available",
                         headers=world.bearer("vasa")).status_code == 200
    # A tenant in no project of an association: nothing, and nothing of other libraries.
    malax = as_("viewer", "malax").get("/api/v1/t/malax/library/available")
    assert malax.get_json() == {"indicator_templates": [], "agreement_templates": []}
    assert "Andra förbundet" not in json.dumps(body, ensure_ascii=False)


def test_a_purchaser_adopts_a_template_into_an_agreement(world, as_, anonymous, snapshots):
    bearer = world.bearer("vasa")
    with unchanged(snapshots):
        problem(as_("viewer", "vasa").post(world.adopt_url(), json={"template_id": world.employed}),
                403)
        problem(anonymous.post(world.adopt_url(), json={"template_id": world.employed},
                               headers=bearer), 403)
        for body in ({}, {"template_id": world.employed, "agreement_template_id": world.base},
                     {"template_id": "seven"}):
            problem(as_("admin", "vasa").post(world.adopt_url(), json=body), 422)
        # A template of a library the tenant may not use is refused as a made-up one.
        for template_id in (world.other_template, 987654):
            body = problem(as_("admin", "vasa").post(world.adopt_url(),
                                                     json={"template_id": template_id}), 422)
            assert "template_id" in body["errors"]
        problem(as_("admin", "malax").post(world.adopt_url("malax"),
                                           json={"template_id": world.employed}), 422)
        # Another tenant's agreement is not found.
        problem(as_("admin", "vasa").post(
            f"/api/v1/t/vasa/agreements/{world.agreement['malax']}/indicators/adopt",
            json={"template_id": world.employed}), 404)
    response = as_("admin", "vasa").post(world.adopt_url(), json={"template_id": world.employed})
    assert response.status_code == 201, response.get_data(as_text=True)
    [adopted] = response.get_json()
    assert adopted["code"] == "employed" and adopted["unit"] == "percent"
    assert adopted["adopted_from"] == {"association_id": world.id("forbundet"),
                                       "code": "employed", "version": 1, "kept_version": None}
    assert adopted["newer_version"] is None and adopted["differences"] == []
    with unchanged(snapshots):
        body = problem(as_("admin", "vasa").post(world.adopt_url(),
                                                 json={"template_id": world.employed}), 422)
        assert "code" in body["errors"]
    rest = as_("admin", "vasa").post(world.adopt_url(), json={"agreement_template_id": world.base})
    assert rest.status_code == 201, rest.get_data(as_text=True)
    assert [i["code"] for i in rest.get_json()] == ["started"]
    with unchanged(snapshots):
        problem(as_("admin", "vasa").post(world.adopt_url(),
                                          json={"agreement_template_id": world.base}), 409)
    assert world.indicators() == [("employed", "employed", 1, None),
                                  ("started", "started", 1, None)]


def test_a_newer_version_is_taken_or_kept(world, as_, snapshots):
    as_("admin", "vasa").post(world.adopt_url(), json={"template_id": world.employed})
    with world.scope("vasa"):
        indicator_id = db.session.scalar(select(Indicator.id).where(
            Indicator.agreement_id == world.agreement["vasa"]))
    url = f"/api/v1/t/vasa/agreements/{world.agreement['vasa']}/indicators/{indicator_id}"
    version_2 = world.publish(definition={"sv": "Andel i arbete eller studier.",
                                          "fi": "Osuus työssä."})
    offered = as_("viewer", "vasa").get(f"{url}/library").get_json()
    assert offered["newer_version"]["version"] == 2
    assert offered["differences"] == [{"field": "definition", "locale": "sv",
                                       "old": "Andel i arbete.",
                                       "new": "Andel i arbete eller studier."}]
    with unchanged(snapshots):
        problem(as_("viewer", "vasa").post(f"{url}/keep", json={"version": 2}), 403)
        problem(as_("admin", "vasa").post(f"{url}/keep", json={"version": 7}), 422)
        problem(as_("admin", "vasa").post(f"{url}/keep", json={}), 422)
        problem(as_("admin", "vasa").post(f"{url}/upgrade", json={"template_id": world.employed}),
                409)
        problem(as_("admin", "vasa").post(f"{url}/upgrade",
                                          json={"template_id": world.other_template}), 422)
    kept = as_("admin", "vasa").post(f"{url}/keep", json={"version": 2})
    assert kept.status_code == 200, kept.get_data(as_text=True)
    assert kept.get_json()["newer_version"] is None
    assert kept.get_json()["adopted_from"]["kept_version"] == 2
    version_3 = world.publish(unit="count")
    assert as_("admin", "vasa").get(f"{url}/library").get_json()["newer_version"]["id"] == version_3
    upgraded = as_("admin", "vasa").post(f"{url}/upgrade", json={"template_id": version_3})
    assert upgraded.status_code == 200, upgraded.get_data(as_text=True)
    body = upgraded.get_json()
    assert body["unit"] == "count" and body["adopted_from"]["version"] == 3
    assert body["newer_version"] is None
    assert version_2 < version_3
    assert world.indicators() == [("employed", "employed", 3, None)]


def test_indicators_not_adopted_or_of_another_agreement(world, as_, snapshots):
    with world.scope("vasa"):
        tenant, admin = world.tenant("vasa"), world.p("admin", "vasa")
        own = psvc.add_indicator(tenant, admin, db.session.get(Agreement, world.agreement["vasa"]),
                                 psvc.IndicatorData(code="own", name={"fi": "Oma"}, unit="count"))
        db.session.commit()
        own_id = own.id
    with world.scope("malax"):
        other = psvc.add_indicator(world.tenant("malax"), world.p("admin", "malax"),
                                   db.session.get(Agreement, world.agreement["malax"]),
                                   psvc.IndicatorData(code="own", name={"fi": "Oma"},
                                                      unit="count"))
        db.session.commit()
        other_id = other.id
    base = f"/api/v1/t/vasa/agreements/{world.agreement['vasa']}/indicators"
    body = as_("viewer", "vasa").get(f"{base}/{own_id}/library").get_json()
    assert body["adopted_from"] is None and body["newer_version"] is None
    with unchanged(snapshots):
        problem(as_("admin", "vasa").post(f"{base}/{own_id}/upgrade",
                                          json={"template_id": world.employed}), 409)
        problem(as_("admin", "vasa").get(f"{base}/{other_id}/library"), 404)
        problem(as_("admin", "vasa").post(f"{base}/{other_id}/keep", json={"version": 2}), 404)
