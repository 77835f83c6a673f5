"""The platform operator's tenant pages: list, create, suspend and reactivate tenants."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant


@pytest.fixture
def world(factory):
    vasa = factory.tenant("vasa", name={"sv": "Vasa stad", "fi": "Vaasan kaupunki"})
    falun = factory.tenant("falun", country="SE", name={"sv": "Falu kommun"})
    factory.organisation(vasa)
    factory.user("operator@example.org", operator=True, locale="en")
    factory.user("admin@example.org", tenant=vasa, roles=["admin"], locale="en")
    factory.user("member@example.org", tenant=vasa, roles=["viewer"], locale="en")
    return {"vasa": vasa, "falun": falun}


def tenant_row(app, slug) -> Tenant | None:
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is not None:
            db.session.expunge(tenant)
        return tenant


def tenant_entries(app, tenant, action) -> list[AuditEntry]:
    with app.app_context(), tenant_scope(tenant.id):
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                  .order_by(AuditEntry.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def slugs_listed(page: str) -> list[str]:
    return re.findall(r"<td><code>([^<]+)</code></td>", page)


def new_tenant(**values) -> dict:
    data = {"slug": "korsholm", "kind": "municipality", "name-sv": "Korsholms kommun",
            "name-fi": "Mustasaaren kunta", "country": "FI", "default_locale": "",
            "currency": ""}
    data.update(values)
    return data


OPERATOR_PAGES = ["/operator/tenants", "/operator/tenants/new"]


def test_operator_lists_every_tenant_without_a_membership(client, world, sign_in_as):
    sign_in_as(client, "operator@example.org")
    picker = client.get("/tenants?all=1").get_data(as_text=True)
    assert 'href="/operator/tenants"' in picker  # the user menu entry
    page = client.get("/operator/tenants")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert slugs_listed(text) == ["falun", "vasa"]
    assert "Vasa stad" in text and "Falu kommun" in text
    vasa_row = re.search(r"(?s)<code>vasa</code>.*?</tr>", text).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', vasa_row) == ["2", "1"]  # members, orgs
    # An operator sees no tenant's content without a membership.
    assert client.get("/t/vasa/").status_code == 404


@pytest.mark.parametrize("email", ["admin@example.org", "member@example.org"])
def test_everyone_else_gets_404_and_no_menu_entry(client, world, sign_in_as, email):
    sign_in_as(client, email)
    assert 'href="/operator/tenants"' not in client.get("/t/vasa/").get_data(as_text=True)
    vasa = world["vasa"].id
    changing = ["/operator/tenants/new", f"/operator/tenants/{vasa}/suspend",
                f"/operator/tenants/{vasa}/reactivate"]
    for path in ["/operator/tenants", *changing]:
        assert client.get(path).status_code == 404, path
    for path in changing:
        assert client.post(path, data=new_tenant()).status_code == 404, path
    assert tenant_row(client.application, "korsholm") is None
    assert tenant_row(client.application, "vasa").status == "active"


def test_anonymous_people_are_sent_to_sign_in(client, world):
    for path in OPERATOR_PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/signin" in response.headers["Location"]


def test_search_filter_sort_and_pages(client, world, factory, sign_in_as):
    for number in range(26):
        factory.tenant(f"kommun-{number:02d}")
    sign_in_as(client, "operator@example.org")
    first = client.get("/operator/tenants").get_data(as_text=True)
    assert "Tenants (28)" in first and "Page 1 of 2" in first
    assert len(slugs_listed(first)) == 25
    assert slugs_listed(client.get("/operator/tenants?page=2").get_data(as_text=True)) == [
        "kommun-24", "kommun-25", "vasa"]
    assert slugs_listed(client.get("/operator/tenants?q=vaasan").get_data(as_text=True)) == [
        "vasa"]  # found by its Finnish name
    assert slugs_listed(client.get("/operator/tenants?q=FAL").get_data(as_text=True)) == ["falun"]
    assert slugs_listed(client.get("/operator/tenants?sort=-slug").get_data(as_text=True))[:2] == [
        "vasa", "kommun-25"]
    assert slugs_listed(client.get("/operator/tenants?status=suspended").get_data(
        as_text=True)) == []


def test_operator_creates_a_tenant_and_it_is_audited(client, world, sign_in_as):
    app = client.application
    sign_in_as(client, "operator@example.org")
    form = client.get("/operator/tenants/new").get_data(as_text=True)
    assert 'name="name-sv"' in form and 'name="name-fi"' in form
    response = client.post("/operator/tenants/new", data=new_tenant())
    assert response.status_code == 302
    tenant = tenant_row(app, "korsholm")
    assert tenant.name == {"sv": "Korsholms kommun", "fi": "Mustasaaren kunta"}
    assert tenant.content_locales == ["fi", "sv"] and tenant.default_locale == "fi"
    assert tenant.currency == "EUR" and tenant.status == "active"
    [entry] = tenant_entries(app, tenant, "tenant.created")
    assert entry.actor_label == "operator@example.org"
    assert entry.after["slug"] == "korsholm"
    page = client.get("/operator/tenants").get_data(as_text=True)
    # Named in the reader's language, else in the tenant's default (Finnish here).
    assert "The tenant Mustasaaren kunta is created at /t/korsholm/." in page
    assert "korsholm" in slugs_listed(page)


def test_swedish_tenants_get_swedish_defaults(client, world, sign_in_as):
    sign_in_as(client, "operator@example.org")
    response = client.post("/operator/tenants/new", data=new_tenant(
        slug="gavle", country="SE", **{"name-fi": "", "name-sv": "Gävle kommun"}))
    assert response.status_code == 302
    tenant = tenant_row(client.application, "gavle")
    assert tenant.content_locales == ["sv"] and tenant.currency == "SEK"


@pytest.mark.parametrize("values, field, message", [
    ({"slug": "Not A Slug"}, "slug", "Use 1-63 lower-case letters, digits and hyphens"),
    ({"slug": "-vasa"}, "slug", "Use 1-63 lower-case letters, digits and hyphens"),
    ({"slug": "vasa"}, "slug", "A tenant with the address vasa exists already."),
    ({"content_locales": ["sv"], "default_locale": "fi"}, "default_locale",
     "The default language must be one of the content languages."),
    ({"kind": ""}, "kind", "This field is required."),
])
def test_invalid_tenants_are_refused_with_a_message(client, world, sign_in_as, values, field,
                                                     message):
    sign_in_as(client, "operator@example.org")
    response = client.post("/operator/tenants/new", data=new_tenant(**values))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(rf'<p class="field-error" id="{field}-error">{re.escape(message)}', page)
    assert 'class="error-summary"' in page
    assert tenant_row(client.application, "korsholm") is None


def test_a_name_is_required(client, world, sign_in_as):
    sign_in_as(client, "operator@example.org")
    response = client.post("/operator/tenants/new", data=new_tenant(**{"name-sv": "",
                                                                       "name-fi": ""}))
    assert response.status_code == 400
    assert "Enter the text in at least one language." in response.get_data(as_text=True)


def test_suspension_asks_first_closes_the_tenant_and_reactivation_opens_it(client, world,
                                                                            sign_in_as):
    app = client.application
    vasa = world["vasa"]
    member = app.test_client()
    sign_in_as(member, "member@example.org")
    sign_in_as(client, "operator@example.org")
    confirm = client.get(f"/operator/tenants/{vasa.id}/suspend")
    assert confirm.status_code == 200
    assert "Suspend Vasa stad?" in confirm.get_data(as_text=True)
    assert tenant_row(app, "vasa").status == "active"  # asking changes nothing
    assert member.get("/t/vasa/").status_code == 200

    response = client.post(f"/operator/tenants/{vasa.id}/suspend")
    assert response.status_code == 302
    assert tenant_row(app, "vasa").status == "suspended"
    assert member.get("/t/vasa/").status_code == 404
    listing = client.get("/operator/tenants?status=suspended").get_data(as_text=True)
    assert slugs_listed(listing) == ["vasa"] and "Reactivate" in listing
    # Suspending twice changes nothing more.
    client.post(f"/operator/tenants/{vasa.id}/suspend")

    assert "Reactivate Vasa stad?" in client.get(
        f"/operator/tenants/{vasa.id}/reactivate").get_data(as_text=True)
    assert client.post(f"/operator/tenants/{vasa.id}/reactivate").status_code == 302
    assert tenant_row(app, "vasa").status == "active"
    assert member.get("/t/vasa/").status_code == 200
    entries = tenant_entries(app, vasa, "tenant.status_changed")
    assert [(e.before, e.after) for e in entries] == [
        ({"status": "active"}, {"status": "suspended"}),
        ({"status": "suspended"}, {"status": "active"}),
    ]
    assert {e.actor_label for e in entries} == {"operator@example.org"}


def test_an_unknown_tenant_is_404(client, world, sign_in_as):
    sign_in_as(client, "operator@example.org")
    assert client.get("/operator/tenants/987654/suspend").status_code == 404
    assert client.post("/operator/tenants/987654/reactivate").status_code == 404
