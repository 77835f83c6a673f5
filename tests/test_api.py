"""The JSON API: problem documents, OpenAPI, docs page, who am I, organisations, ETags,
pagination, permissions per role and tenant isolation."""

from __future__ import annotations

import base64
import json
import re

import pytest
from sqlalchemy import select

from samverkan.platform.db import db, tenant_scope

PROBLEM = "application/problem+json"


def api_client_token(app, client, tenant, *, organisation=None, scopes=("read", "report")):
    """An access token from /oauth/token for a new API client of ``tenant``."""
    from samverkan.tenants.models import Tenant
    from samverkan.tenants.services.api_clients import ApiClientData, create_client

    with app.app_context(), tenant_scope(tenant.id):
        row, secret = create_client(db.session.get(Tenant, tenant.id), ApiClientData(
            name="Integration", organisation_id=organisation.id if organisation else None,
            scopes=list(scopes)))
        db.session.commit()
        client_id = row.client_id
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": f"Basic {credentials}"})
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["instance"] == response.request.path
    return body


@pytest.fixture
def world(app, factory):
    """Two tenants with organisations and a member of each role in vasa."""
    vasa = factory.tenant("vasa")
    falun = factory.tenant("falun", country="SE")
    provider = factory.organisation(vasa, kind="provider", name={"sv": "Yrkesinstitutet",
                                                                  "fi": "Ammattiopisto"},
                                    business_id="2045567-8")
    municipality = factory.organisation(vasa, kind="municipality",
                                        name={"sv": "Närpes stad", "fi": "Närpiön kaupunki"})
    secret = factory.organisation(falun, kind="employer", name={"sv": "Falu hemlighet"})
    factory.user("admin@example.org", tenant=vasa, roles=["admin"], locale="en")
    factory.user("viewer@example.org", tenant=vasa, roles=["viewer"], locale="en")
    factory.user("reporter@example.org", tenant=vasa, roles=["provider_reporter"],
                 organisation=provider, locale="en")
    factory.user("falun@example.org", tenant=falun, roles=["admin"], locale="en")
    return {"vasa": vasa, "falun": falun, "provider": provider, "municipality": municipality,
            "falun_org": secret}


NEW_ORGANISATION = {"kind": "employer", "name": {"sv": "Wärtsilä Finland Ab",
                                                 "fi": "Wärtsilä Finland Oy"},
                    "business_id": "0773744-3"}


# --- problem documents -----------------------------------------------------------------------


def test_no_credentials_is_a_401_problem(client, world):
    body = assert_problem(client.get("/api/v1/t/vasa/organisations"), 401)
    assert "detail" in body
    response = client.get("/api/v1/t/vasa/me")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_tenant_route_and_object_are_404_problems(client, world, sign_in_as):
    assert_problem(client.get("/api/v1/t/nowhere/me"), 404)
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    sign_in_as(client, "viewer@example.org")
    assert_problem(client.get("/api/v1/t/vasa/organisations/999999"), 404)


def test_validation_errors_are_a_422_problem_with_field_errors(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    response = client.post("/api/v1/t/vasa/organisations",
                           json={"kind": "castle", "name": {"en": "Castle"}, "extra": 1})
    body = assert_problem(response, 422)
    assert set(body["errors"]) == {"kind", "name.en", "extra"}
    assert all(isinstance(m, list) and m for m in body["errors"].values())
    missing = assert_problem(client.post("/api/v1/t/vasa/organisations", json={}), 422)
    assert set(missing["errors"]) == {"kind", "name"}


def test_schema_messages_are_in_the_requests_language(client, world, sign_in_as, translate, app):
    sign_in_as(client, "admin@example.org")
    for locale in ("sv", "fi"):
        body = assert_problem(client.post(f"/api/v1/t/vasa/organisations?lang={locale}",
                                          json={"extra": 1}), 422)
        required, unknown = translate(app, locale, "Missing data for required field.", "Unknown field.")
        assert body["errors"]["kind"] == [required]
        assert body["errors"]["extra"] == [unknown]
        assert required != "Missing data for required field."
    paging = assert_problem(client.get("/api/v1/t/vasa/organisations?per_page=1000&lang=sv"), 422)
    (between,) = translate(app, "sv", "Must be between %(min)s and %(max)s.")
    assert between != "Must be between %(min)s and %(max)s."
    assert paging["errors"]["per_page"] == [between % {"min": 1, "max": 100}]


def test_query_argument_errors_are_flattened_too(client, world, sign_in_as):
    sign_in_as(client, "viewer@example.org")
    body = assert_problem(client.get("/api/v1/t/vasa/organisations?kind=x&q=" + "y" * 101), 422)
    assert set(body["errors"]) == {"kind", "q"}
    paging = assert_problem(client.get("/api/v1/t/vasa/organisations?per_page=1000&page=0"), 422)
    assert set(paging["errors"]) == {"per_page", "page"}


def test_service_errors_map_to_field_errors(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    invalid = client.post("/api/v1/t/vasa/organisations",
                          json={"kind": "employer", "name": {"sv": "X"}, "business_id": "1234567-8"})
    assert "business_id" in assert_problem(invalid, 422)["errors"]
    taken = client.post("/api/v1/t/vasa/organisations",
                        json={"kind": "employer", "name": {"sv": "Y"}, "business_id": "2045567-8"})
    assert assert_problem(taken, 422)["errors"]["business_id"] == [
        "Another organisation already has this business ID."]
    blank = client.post("/api/v1/t/vasa/organisations", json={"kind": "employer",
                                                               "name": {"sv": "  "}})
    assert "name" in assert_problem(blank, 422)["errors"]


def test_method_not_allowed_and_unsupported_media_type_are_problems(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    response = client.delete("/api/v1/t/vasa/organisations")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]
    form_post = client.post("/api/v1/t/vasa/organisations", data={"kind": "employer"})
    assert_problem(form_post, 415)


def test_too_large_body_is_a_413_problem(app, client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    app.config["MAX_CONTENT_LENGTH"] = 100
    response = client.post("/api/v1/t/vasa/organisations",
                           json={"kind": "employer", "name": {"sv": "x" * 500}})
    assert_problem(response, 413)


def test_html_pages_keep_html_error_pages(client, world):
    response = client.get("/t/nowhere/")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.fixture
def production_errors(app_config):
    app_config["TESTING"] = False
    return app_config


def test_unexpected_errors_are_500_problems(production_errors, app, world):
    from samverkan.platform.api import Blueprint, api

    broken = Blueprint("broken_api", __name__, url_prefix="/api/v1/broken")

    @broken.route("/")
    @broken.response(200)
    def explode():
        """Fail"""
        raise RuntimeError("boom")

    api.register_blueprint(broken)
    response = app.test_client().get("/api/v1/broken/")
    body = assert_problem(response, 500)
    assert "boom" not in json.dumps(body)


# --- OpenAPI and the docs page ---------------------------------------------------------------


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_document_is_complete(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    operations = [(path, method, op) for path, item in spec["paths"].items()
                  for method, op in item.items() if method in {"get", "post", "put", "patch", "delete"}]
    expected = {("/api/v1/t/{slug}/me", "get"), ("/api/v1/t/{slug}/organisations", "get"),
                ("/api/v1/t/{slug}/organisations", "post"),
                ("/api/v1/t/{slug}/organisations/{organisation_id}", "get"),
                ("/api/v1/t/{slug}/organisations/{organisation_id}", "put"),
                ("/oauth/token", "post"),
                # association projects and the indicator library (tests/test_project_api.py and
                # tests/test_library_api.py check every one of their operations)
                ("/api/v1/t/{slug}/projects/{project_id}/benchmarks", "get"),
                ("/api/v1/t/{slug}/participations/{participant_id}/consent", "put"),
                ("/api/v1/t/{slug}/library/indicator-templates", "post"),
                ("/api/v1/t/{slug}/agreements/{agreement_id}/indicators/adopt", "post")}
    assert expected <= {(path, method) for path, method, _ in operations}
    for path, method, op in operations:
        assert op.get("summary"), f"{method} {path} has no summary"
        assert op.get("responses"), f"{method} {path} has no responses"
        assert op.get("tags"), f"{method} {path} has no tag"
    for ref in set(_refs(spec)):
        target = spec
        for part in ref.lstrip("#/").split("/"):
            assert part in target, f"unresolved {ref}"
            target = target[part]
    assert set(spec["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"][
        "scopes"]) == {"read", "report"}
    problem = spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert PROBLEM in problem
    put = spec["paths"]["/api/v1/t/{slug}/organisations/{organisation_id}"]["put"]
    assert {"412", "428"} <= set(put["responses"])
    listing = spec["paths"]["/api/v1/t/{slug}/organisations"]["get"]
    assert {"page", "per_page", "kind", "q"} <= {p["name"] for p in listing["parameters"]}
    assert "X-Pagination" in listing["responses"]["200"]["headers"]
    assert listing["responses"]["200"]["content"]["application/json"]["example"]


def test_every_api_route_is_in_the_openapi_document(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {re.sub(r"\{[^}]+\}", "{}", path) for path in spec["paths"]}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/t/"):
            assert re.sub(r"<[^>]+>", "{}", rule.rule) in documented, rule.rule


def test_docs_page_is_rendered_from_the_spec_without_scripts(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for text in ("/api/v1/t/{slug}/organisations/{organisation_id}", "Update an organisation",
                 "Who am I", "Get an access token", "If-Match", 'id="schema-Organisation"',
                 "per_page", "Organisations"):
        assert text in page, text
    assert "<script" not in page
    assert " style=" not in page
    assert not re.search(r'(src|href)="https?://', page)


# --- who am I --------------------------------------------------------------------------------


def test_me_for_a_signed_in_person(client, world, sign_in_as):
    sign_in_as(client, "reporter@example.org")
    body = client.get("/api/v1/t/vasa/me").get_json()
    assert body["kind"] == "person"
    assert body["user"]["email"] == "reporter@example.org"
    assert body["client"] is None and body["scopes"] is None
    assert body["roles"] == ["provider_reporter"]
    assert body["organisation"]["id"] == world["provider"].id
    assert body["tenant"]["slug"] == "vasa"


def test_me_for_an_api_client(app, client, world):
    headers = api_client_token(app, client, world["vasa"], organisation=world["municipality"],
                               scopes=("read",))
    body = client.get("/api/v1/t/vasa/me", headers=headers).get_json()
    assert body["kind"] == "client"
    assert body["user"] is None
    assert body["roles"] == ["viewer"]  # a client of a non-provider organisation only reads
    assert body["scopes"] == ["read"]
    assert body["organisation"]["name"]["sv"] == "Närpes stad"


# --- organisations ---------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["admin@example.org", "viewer@example.org", "reporter@example.org"])
def test_every_member_can_list_and_read(client, world, sign_in_as, email):
    sign_in_as(client, email)
    listing = client.get("/api/v1/t/vasa/organisations")
    assert listing.status_code == 200
    names = {o["name"]["sv"] for o in listing.get_json()}
    assert names == {"Yrkesinstitutet", "Närpes stad"}
    one = client.get(f"/api/v1/t/vasa/organisations/{world['provider'].id}")
    assert one.status_code == 200
    assert one.get_json()["business_id"] == "2045567-8"


def test_api_client_with_read_scope_can_list_and_read(app, client, world):
    headers = api_client_token(app, client, world["vasa"], organisation=world["provider"])
    assert client.get("/api/v1/t/vasa/organisations", headers=headers).status_code == 200
    assert client.get(f"/api/v1/t/vasa/organisations/{world['provider'].id}",
                      headers=headers).status_code == 200


@pytest.mark.parametrize("email", ["viewer@example.org", "reporter@example.org"])
def test_only_admins_create_and_update(client, world, sign_in_as, email):
    sign_in_as(client, email)
    assert_problem(client.post("/api/v1/t/vasa/organisations", json=NEW_ORGANISATION), 403)
    url = f"/api/v1/t/vasa/organisations/{world['provider'].id}"
    etag = client.get(url).headers["ETag"]
    assert_problem(client.put(url, json=NEW_ORGANISATION, headers={"If-Match": etag}), 403)


def test_api_clients_cannot_change_organisations(app, client, world):
    headers = api_client_token(app, client, world["vasa"], organisation=world["provider"])
    response = client.post("/api/v1/t/vasa/organisations", json=NEW_ORGANISATION, headers=headers)
    assert_problem(response, 403)  # not a CSRF failure: bearer requests need no CSRF token


def test_admin_creates_an_organisation(app, client, world, sign_in_as):
    from samverkan.platform.audit import AuditEntry
    from samverkan.tenants.models import Organisation

    sign_in_as(client, "admin@example.org")
    response = client.post("/api/v1/t/vasa/organisations", json=NEW_ORGANISATION)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["name"]["fi"] == "Wärtsilä Finland Oy"
    assert body["country"] == "FI"  # the tenant's country by default
    assert response.headers["Location"] == f"/api/v1/t/vasa/organisations/{body['id']}"
    assert response.headers["ETag"]
    assert client.get(response.headers["Location"]).get_json() == body
    with app.app_context(), tenant_scope(world["vasa"].id):
        assert db.session.get(Organisation, body["id"]).tenant_id == world["vasa"].id
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.created"))
        assert entry.entity_id == str(body["id"])


def test_list_filters_by_kind_and_search(client, world, sign_in_as):
    sign_in_as(client, "viewer@example.org")

    def names(query):
        return {o["name"]["sv"] for o in client.get(f"/api/v1/t/vasa/organisations?{query}").get_json()}

    assert names("kind=provider") == {"Yrkesinstitutet"}
    assert names("q=närpes") == {"Närpes stad"}
    assert names("q=Närpiön") == {"Närpes stad"}
    assert names("q=2045567") == {"Yrkesinstitutet"}
    assert names("q=%25") == set()
    assert names("q=nothing") == set()


def test_archived_organisations_only_when_asked(app, client, world, sign_in_as):
    from samverkan.tenants.models import Organisation

    with app.app_context(), tenant_scope(world["vasa"].id):
        db.session.get(Organisation, world["municipality"].id).is_archived = True
        db.session.commit()
    sign_in_as(client, "viewer@example.org")
    assert len(client.get("/api/v1/t/vasa/organisations").get_json()) == 1
    assert len(client.get("/api/v1/t/vasa/organisations?include_archived=true").get_json()) == 2


def test_pagination_with_metadata_and_links(app, client, factory, world, sign_in_as):
    for index in range(23):
        factory.organisation(world["vasa"], kind="employer", name={"sv": f"Arbetsgivare {index}"})
    sign_in_as(client, "viewer@example.org")
    response = client.get("/api/v1/t/vasa/organisations?kind=employer&page=2&per_page=10")
    assert response.status_code == 200
    assert len(response.get_json()) == 10
    meta = json.loads(response.headers["X-Pagination"])
    assert meta == {"total": 23, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 2,
                    "previous_page": 1, "next_page": 3}
    links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"',
                                                        response.headers["Link"]))
    assert set(links) == {"first", "prev", "next", "last"}
    assert "page=3" in links["next"] and "kind=employer" in links["next"]
    assert links["next"].startswith("/api/v1/t/vasa/organisations?")
    last = client.get(links["last"])
    assert len(last.get_json()) == 3
    assert "next" not in last.headers["Link"]
    default = client.get("/api/v1/t/vasa/organisations")
    assert json.loads(default.headers["X-Pagination"])["total"] == 25
    assert len(default.get_json()) == 25


# --- ETag / If-Match -------------------------------------------------------------------------


def test_update_needs_the_current_etag(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    url = f"/api/v1/t/vasa/organisations/{world['provider'].id}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert_problem(client.put(url, json=NEW_ORGANISATION | {"kind": "provider"}), 428)
    assert_problem(client.put(url, json=NEW_ORGANISATION | {"kind": "provider"},
                              headers={"If-Match": '"stale"'}), 412)
    updated = client.put(url, json={"kind": "provider", "name": {"sv": "Nytt namn"},
                                    "business_id": "2045567-8"}, headers={"If-Match": etag})
    assert updated.status_code == 200, updated.get_data(as_text=True)
    assert updated.get_json()["name"] == {"sv": "Nytt namn"}
    new_etag = updated.headers["ETag"]
    assert new_etag and new_etag != etag
    # The old version's tag no longer fits: a lost update is refused.
    assert_problem(client.put(url, json={"kind": "provider", "name": {"sv": "Gammalt"}},
                              headers={"If-Match": etag}), 412)
    assert client.get(url).headers["ETag"] == new_etag


def test_unchanged_representation_answers_304(client, world, sign_in_as):
    sign_in_as(client, "viewer@example.org")
    url = f"/api/v1/t/vasa/organisations/{world['provider'].id}"
    etag = client.get(url).headers["ETag"]
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag


def test_update_validation_errors_and_audit(app, client, world, sign_in_as):
    from samverkan.platform.audit import AuditEntry

    sign_in_as(client, "admin@example.org")
    url = f"/api/v1/t/vasa/organisations/{world['municipality'].id}"
    etag = client.get(url).headers["ETag"]
    bad = client.put(url, json={"kind": "municipality", "name": {"sv": "X"}, "country": "NO"},
                     headers={"If-Match": etag})
    assert "country" in assert_problem(bad, 422)["errors"]
    good = client.put(url, json={"kind": "municipality", "name": {"sv": "Närpes", "fi": "Närpiö"}},
                      headers={"If-Match": etag})
    assert good.status_code == 200
    with app.app_context(), tenant_scope(world["vasa"].id):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.updated"))
    assert entry.before["name"]["sv"] == "Närpes stad" and entry.after["name"]["sv"] == "Närpes"


def test_etag_helper_is_stable_and_content_based():
    from samverkan.platform.api import etag_for

    assert etag_for({"a": 1, "b": [1, 2]}) == etag_for({"b": [1, 2], "a": 1})
    assert etag_for({"a": 1}) != etag_for({"a": 2})
    assert etag_for({"a": 1}, extra={"page": 1}) != etag_for({"a": 1})
    assert re.fullmatch(r"[0-9a-f]{64}", etag_for([]))


# --- sessions and CSRF -----------------------------------------------------------------------


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_session_changes_need_the_csrf_header(csrf_on, app, world):
    client = app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    client.post("/signin", data={"email": "admin@example.org", "password": "correct horse battery",
                                 "csrf_token": token.group(1)})
    assert client.get("/api/v1/t/vasa/me").status_code == 200
    refused = client.post("/api/v1/t/vasa/organisations", json=NEW_ORGANISATION)
    assert_problem(refused, 400)
    home = client.get("/t/vasa/").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)
    accepted = client.post("/api/v1/t/vasa/organisations", json=NEW_ORGANISATION,
                           headers={"X-CSRFToken": csrf_token})
    assert accepted.status_code == 201, accepted.get_data(as_text=True)


def test_bearer_requests_need_no_csrf_token(csrf_on, app, world):
    client = app.test_client()
    headers = api_client_token(app, client, world["vasa"], organisation=world["provider"])
    response = client.post("/api/v1/t/vasa/organisations", json=NEW_ORGANISATION, headers=headers)
    assert_problem(response, 403)  # refused by the rule (clients do not administer), not CSRF
    token = client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert token.status_code == 401  # the token endpoint is not CSRF-protected either


# --- tenant isolation ------------------------------------------------------------------------


def test_member_of_one_tenant_gets_404_in_another(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    for method, path in [("get", "/api/v1/t/falun/me"), ("get", "/api/v1/t/falun/organisations"),
                         ("get", f"/api/v1/t/falun/organisations/{world['falun_org'].id}"),
                         ("post", "/api/v1/t/falun/organisations"),
                         ("put", f"/api/v1/t/falun/organisations/{world['falun_org'].id}")]:
        response = getattr(client, method)(path, json=NEW_ORGANISATION, headers={"If-Match": "*"})
        assert_problem(response, 404)
        assert "Falu" not in response.get_data(as_text=True)


def test_another_tenants_organisation_is_404_in_ones_own_tenant(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    url = f"/api/v1/t/vasa/organisations/{world['falun_org'].id}"
    assert_problem(client.get(url), 404)
    assert_problem(client.put(url, json=NEW_ORGANISATION, headers={"If-Match": "*"}), 404)
    listing = client.get("/api/v1/t/vasa/organisations?include_archived=true&per_page=100")
    assert world["falun_org"].id not in {o["id"] for o in listing.get_json()}


def test_a_second_tenants_admin_sees_only_their_organisations(client, world, sign_in_as):
    sign_in_as(client, "falun@example.org")
    names = {o["name"]["sv"] for o in client.get("/api/v1/t/falun/organisations").get_json()}
    assert names == {"Falu hemlighet"}
