"""Members administration: list with search, role filter, sort and pages; roles and organisation
binding; removal after confirmation; the tenant always keeps an administrator."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Membership, User


@pytest.fixture
def world(factory):
    vasa = factory.tenant("vasa", locales=["sv", "fi"])  # Swedish by default
    falun = factory.tenant("falun", country="SE")
    provider = factory.organisation(vasa, kind="provider", name={"sv": "Yrkesinstitutet",
                                                                  "fi": "Ammattiopisto"})
    owner = factory.organisation(vasa, kind="municipality", name={"sv": "Vasa stad",
                                                                   "fi": "Vaasan kaupunki"})
    factory.user("admin@example.org", tenant=vasa, roles=["admin"], locale="en")
    factory.user("viewer@example.org", tenant=vasa, roles=["viewer"], locale="en")
    factory.user("reporter@example.org", tenant=vasa, roles=["provider_reporter"],
                 organisation=provider, locale="en")
    factory.user("falun.admin@example.org", tenant=falun, roles=["admin"], locale="en")
    return {"vasa": vasa, "falun": falun, "provider": provider, "owner": owner}


def membership_of(app, tenant, email) -> Membership | None:
    with app.app_context(), tenant_scope(tenant.id):
        membership = db.session.scalar(
            select(Membership).join(User, User.id == Membership.user_id).where(User.email == email)
        )
        if membership is not None:
            db.session.expunge(membership)
        return membership


def audit_actions(app, tenant) -> list[AuditEntry]:
    with app.app_context(), tenant_scope(tenant.id):
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        for entry in entries:
            db.session.expunge(entry)
        return entries


def names_in_table(page: str) -> list[str]:
    return re.findall(r'<th scope="row">\s*<a href="/t/vasa/members/\d+">([^<]+)</a>', page)


# --- permissions -----------------------------------------------------------------------------


def test_admin_finds_members_in_the_navigation(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    home = client.get("/t/vasa/").get_data(as_text=True)
    assert 'href="/t/vasa/members"' in home
    page = client.get("/t/vasa/members")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Members (3)" in text
    assert "reporter@example.org" in text and "Yrkesinstitutet" in text
    assert "falun.admin@example.org" not in text


@pytest.mark.parametrize("email", ["viewer@example.org", "reporter@example.org"])
def test_other_roles_get_403_and_no_navigation_entry(client, world, sign_in_as, email):
    sign_in_as(client, email)
    assert 'href="/t/vasa/members"' not in client.get("/t/vasa/").get_data(as_text=True)
    admin = membership_of(client.application, world["vasa"], "admin@example.org")
    assert client.get("/t/vasa/members").status_code == 403
    assert client.get(f"/t/vasa/members/{admin.id}").status_code == 403
    assert client.post(f"/t/vasa/members/{admin.id}", data={"roles": ["viewer"]}).status_code == 403
    assert client.post(f"/t/vasa/members/{admin.id}/remove").status_code == 403
    assert membership_of(client.application, world["vasa"], "admin@example.org").roles == ["admin"]


def test_non_members_get_404_and_anonymous_people_sign_in(client, world, sign_in_as):
    admin = membership_of(client.application, world["vasa"], "admin@example.org")
    response = client.get("/t/vasa/members")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
    sign_in_as(client, "falun.admin@example.org")
    assert client.get("/t/vasa/members").status_code == 404
    assert client.get(f"/t/vasa/members/{admin.id}").status_code == 404
    assert client.post(f"/t/vasa/members/{admin.id}/remove").status_code == 404


def test_another_tenants_membership_is_not_found(client, world, sign_in_as):
    other = membership_of(client.application, world["falun"], "falun.admin@example.org")
    sign_in_as(client, "admin@example.org")
    assert client.get(f"/t/vasa/members/{other.id}").status_code == 404
    assert client.post(f"/t/vasa/members/{other.id}", data={"roles": ["viewer"]}).status_code == 404
    assert client.get(f"/t/vasa/members/{other.id}/remove").status_code == 404
    assert client.post(f"/t/vasa/members/{other.id}/remove").status_code == 404
    assert membership_of(client.application, world["falun"], "falun.admin@example.org") is not None


# --- the list --------------------------------------------------------------------------------


def test_search_by_name_or_email_and_filter_by_role(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    by_email = client.get("/t/vasa/members?q=REPORTER@").get_data(as_text=True)
    assert names_in_table(by_email) == ["reporter"]
    by_role = client.get("/t/vasa/members?role=admin").get_data(as_text=True)
    assert names_in_table(by_role) == ["admin"]
    nothing = client.get("/t/vasa/members?q=nobody&role=viewer").get_data(as_text=True)
    assert names_in_table(nothing) == []
    assert "No members match the filter." in nothing
    wildcard = client.get("/t/vasa/members?q=%25").get_data(as_text=True)
    assert names_in_table(wildcard) == []  # a LIKE wildcard is searched for literally


def test_sort_by_name_email_and_last_sign_in(client, world, sign_in_as):
    sign_in_as(client.application.test_client(), "reporter@example.org")  # the others: never
    sign_in_as(client, "admin@example.org")  # and now the admin, most recently
    assert names_in_table(client.get("/t/vasa/members?sort=name").get_data(as_text=True)) == [
        "admin", "reporter", "viewer"]
    assert names_in_table(client.get("/t/vasa/members?sort=-email").get_data(as_text=True)) == [
        "viewer", "reporter", "admin"]
    latest_first = client.get("/t/vasa/members?sort=-last_sign_in").get_data(as_text=True)
    assert names_in_table(latest_first) == ["admin", "reporter", "viewer"]
    oldest_first = client.get("/t/vasa/members?sort=last_sign_in").get_data(as_text=True)
    assert names_in_table(oldest_first) == ["reporter", "admin", "viewer"]  # never: last
    assert "Never" in oldest_first


def test_the_list_is_paginated(client, world, factory, sign_in_as):
    for number in range(30):
        factory.user(f"person{number:02d}@example.org", tenant=world["vasa"], roles=["viewer"])
    sign_in_as(client, "admin@example.org")
    first = client.get("/t/vasa/members?sort=email").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Members (33)" in first
    assert len(names_in_table(first)) == 25
    second = client.get("/t/vasa/members?sort=email&page=2").get_data(as_text=True)
    assert names_in_table(second) == ["person24", "person25", "person26", "person27",
                                      "person28", "person29", "reporter", "viewer"]


# --- roles and organisation ------------------------------------------------------------------


def test_admin_changes_roles_and_organisation_and_it_is_audited(client, world, sign_in_as):
    app = client.application
    viewer = membership_of(app, world["vasa"], "viewer@example.org")
    sign_in_as(client, "admin@example.org")
    page = client.get(f"/t/vasa/members/{viewer.id}").get_data(as_text=True)
    assert "Vasa stad" in page and "Yrkesinstitutet" in page
    response = client.post(f"/t/vasa/members/{viewer.id}", data={
        "roles": ["owner_representative", "viewer"], "organisation": str(world["owner"].id)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/t/vasa/members")
    changed = membership_of(app, world["vasa"], "viewer@example.org")
    assert changed.roles == ["owner_representative", "viewer"]
    assert changed.organisation_id == world["owner"].id
    entry = audit_actions(app, world["vasa"])[-1]
    assert entry.action == "membership.changed" and entry.actor_label == "admin@example.org"
    assert entry.before["roles"] == ["viewer"] and entry.before["organisation_id"] is None
    assert entry.after == {"user_id": viewer.user_id, "roles": ["owner_representative", "viewer"],
                           "organisation_id": world["owner"].id}
    assert "The roles of viewer are saved." in client.get("/t/vasa/members").get_data(as_text=True)


def test_bound_roles_need_an_organisation(client, world, sign_in_as):
    app = client.application
    viewer = membership_of(app, world["vasa"], "viewer@example.org")
    sign_in_as(client, "admin@example.org")
    response = client.post(f"/t/vasa/members/{viewer.id}",
                           data={"roles": ["provider_reporter"], "organisation": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "act for an organisation: choose one." in page
    assert 'id="organisation-error"' in page and 'class="error-summary"' in page
    assert membership_of(app, world["vasa"], "viewer@example.org").roles == ["viewer"]
    assert [e.action for e in audit_actions(app, world["vasa"])].count("membership.changed") == 0


def test_at_least_one_role_is_needed(client, world, sign_in_as):
    viewer = membership_of(client.application, world["vasa"], "viewer@example.org")
    sign_in_as(client, "admin@example.org")
    response = client.post(f"/t/vasa/members/{viewer.id}", data={"organisation": ""})
    assert response.status_code == 400
    assert "Choose at least one role." in response.get_data(as_text=True)


def test_archived_and_other_tenants_organisations_are_not_offered(client, world, factory,
                                                                   sign_in_as):
    app = client.application
    archived = factory.organisation(world["vasa"], kind="provider", name={"sv": "Gamla skolan"})
    with app.app_context(), tenant_scope(world["vasa"].id):
        from samverkan.tenants.models import Organisation

        db.session.get(Organisation, archived.id).is_archived = True
        db.session.commit()
    falun_org = factory.organisation(world["falun"], name={"sv": "Falu anordnare"})
    viewer = membership_of(app, world["vasa"], "viewer@example.org")
    sign_in_as(client, "admin@example.org")
    page = client.get(f"/t/vasa/members/{viewer.id}").get_data(as_text=True)
    assert "Gamla skolan" not in page and "Falu anordnare" not in page
    for organisation in (archived, falun_org):
        response = client.post(f"/t/vasa/members/{viewer.id}", data={
            "roles": ["provider_reporter"], "organisation": str(organisation.id)})
        assert response.status_code == 400
        assert "Not a valid choice" in response.get_data(as_text=True)
    assert membership_of(app, world["vasa"], "viewer@example.org").organisation_id is None


def test_the_last_admin_cannot_drop_the_admin_role(client, world, sign_in_as):
    app = client.application
    admin = membership_of(app, world["vasa"], "admin@example.org")
    sign_in_as(client, "admin@example.org")
    page = client.get(f"/t/vasa/members/{admin.id}").get_data(as_text=True)
    assert "This is your own membership." in page
    response = client.post(f"/t/vasa/members/{admin.id}", data={"roles": ["viewer"]})
    assert response.status_code == 400
    assert "This is the tenant's only administrator." in response.get_data(as_text=True)
    assert membership_of(app, world["vasa"], "admin@example.org").roles == ["admin"]


def test_an_admin_may_drop_their_own_role_when_another_admin_remains(client, world, factory,
                                                                      sign_in_as):
    app = client.application
    factory.user("second.admin@example.org", tenant=world["vasa"], roles=["admin"])
    admin = membership_of(app, world["vasa"], "admin@example.org")
    sign_in_as(client, "admin@example.org")
    response = client.post(f"/t/vasa/members/{admin.id}", data={"roles": ["viewer"]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/t/vasa/")
    assert "You are no longer an administrator" in client.get("/t/vasa/").get_data(as_text=True)
    assert client.get("/t/vasa/members").status_code == 403


# --- removal ---------------------------------------------------------------------------------


def test_removal_asks_for_confirmation_then_removes_and_audits(client, world, sign_in_as):
    app = client.application
    reporter = membership_of(app, world["vasa"], "reporter@example.org")
    sign_in_as(client, "admin@example.org")
    confirm = client.get(f"/t/vasa/members/{reporter.id}/remove")
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "Remove reporter from" in text and 'method="post"' in text
    assert membership_of(app, world["vasa"], "reporter@example.org") is not None  # GET: no change
    response = client.post(f"/t/vasa/members/{reporter.id}/remove")
    assert response.status_code == 302 and response.headers["Location"].endswith("/t/vasa/members")
    assert membership_of(app, world["vasa"], "reporter@example.org") is None
    entry = audit_actions(app, world["vasa"])[-1]
    assert entry.action == "membership.removed" and entry.entity_id == str(reporter.id)
    assert entry.before["email"] == "reporter@example.org"
    assert entry.before["organisation_id"] == world["provider"].id and entry.after is None
    listing = client.get("/t/vasa/members").get_data(as_text=True)
    assert "reporter is no longer a member of this tenant." in listing
    # The person keeps their account, and cannot reach the tenant any more.
    other = app.test_client()
    sign_in_as(other, "reporter@example.org")
    assert other.get("/t/vasa/").status_code == 404


def test_the_last_admin_cannot_leave(client, world, sign_in_as):
    app = client.application
    admin = membership_of(app, world["vasa"], "admin@example.org")
    sign_in_as(client, "admin@example.org")
    page = client.get(f"/t/vasa/members/{admin.id}/remove")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "only administrator and cannot be removed" in text
    assert "Leave the tenant" not in text  # no button to press
    response = client.post(f"/t/vasa/members/{admin.id}/remove")
    assert response.status_code == 409
    assert membership_of(app, world["vasa"], "admin@example.org") is not None
    assert "membership.removed" not in [e.action for e in audit_actions(app, world["vasa"])]


def test_an_admin_may_leave_when_another_admin_remains(client, world, factory, sign_in_as):
    app = client.application
    factory.user("second.admin@example.org", tenant=world["vasa"], roles=["admin"])
    admin = membership_of(app, world["vasa"], "admin@example.org")
    sign_in_as(client, "admin@example.org")
    assert "Leave " in client.get(f"/t/vasa/members/{admin.id}/remove").get_data(as_text=True)
    response = client.post(f"/t/vasa/members/{admin.id}/remove")
    assert response.status_code == 302 and "/tenants" in response.headers["Location"]
    assert membership_of(app, world["vasa"], "admin@example.org") is None
    assert client.get("/t/vasa/").status_code == 404
