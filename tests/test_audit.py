"""The audit trail page: tenant admins page and filter it; values are readable; nothing in the
app changes or deletes an entry."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text, update

from samverkan.platform.audit import AuditEntry, AuditEntryImmutable
from samverkan.platform.db import db, platform_scope, tenant_scope


@pytest.fixture
def world(factory):
    vasa = factory.tenant("vasa", locales=["sv", "fi"])  # Swedish by default
    falun = factory.tenant("falun", country="SE")
    city = factory.organisation(vasa, kind="municipality", name={"sv": "Vasa stad",
                                                                  "fi": "Vaasan kaupunki"})
    factory.user("admin@example.org", tenant=vasa, roles=["admin"], locale="en")
    factory.user("viewer@example.org", tenant=vasa, roles=["viewer"], locale="en")
    factory.user("falun.admin@example.org", tenant=falun, roles=["admin"], locale="en")
    return {"vasa": vasa, "falun": falun, "city": city}


def add_entry(app, tenant, *, action="test.recorded", entity_type="Test", actor="someone@example.org",
              when: datetime | None = None, before=None, after=None, entity_id="1"):
    with app.app_context(), tenant_scope(tenant.id):
        entry = AuditEntry(tenant_id=tenant.id, action=action, entity_type=entity_type,
                           entity_id=entity_id, actor_label=actor, before=before, after=after)
        if when is not None:
            entry.created_at = when
        db.session.add(entry)
        db.session.commit()
        return entry.id


def actions_shown(page: str) -> list[str]:
    return re.findall(r'<code class="meta">([^<]+)</code>', page)


def count_entries(app, tenant) -> int:
    with app.app_context(), tenant_scope(tenant.id):
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_admin_sees_the_trail_newest_first_with_readable_values(client, world, sign_in_as):
    # The admin changes a member: a real entry, with ids in it.
    sign_in_as(client, "admin@example.org")
    members = client.get("/t/vasa/members?q=viewer").get_data(as_text=True)
    membership_id = re.search(r"/t/vasa/members/(\d+)", members).group(1)
    client.post(f"/t/vasa/members/{membership_id}", data={
        "roles": ["owner_representative"], "organisation": str(world["city"].id)})
    assert 'href="/t/vasa/audit"' in client.get("/t/vasa/").get_data(as_text=True)
    page = client.get("/t/vasa/audit")
    assert page.status_code == 200
    text_ = page.get_data(as_text=True)
    shown = actions_shown(text_)
    assert shown[0] == "membership.changed"  # the newest first
    assert shown[-1] == "tenant.created"  # the oldest last
    assert "Member&#39;s roles changed" in text_ or "Member's roles changed" in text_
    # Labels and names instead of codes and ids.
    assert re.search(r"<dt>Roles</dt>\s*<dd>.*<del>Viewer</del>.*<ins>Owner representative</ins>",
                     text_, re.S)
    assert re.search(r"<dt>Organisation</dt>\s*<dd>.*<del>–</del>.*<ins>Vasa stad</ins>", text_, re.S)
    assert "admin@example.org" in text_
    assert "falun" not in text_.lower()


def test_the_trail_shows_only_this_tenants_entries(client, world, sign_in_as):
    app = client.application
    add_entry(app, world["falun"], action="falun.secret")
    sign_in_as(client, "admin@example.org")
    page = client.get("/t/vasa/audit").get_data(as_text=True)
    assert "falun.secret" not in page
    assert "user.created" not in page  # entries about a person's account belong to no tenant
    assert "falun.secret" not in client.get("/t/vasa/audit?action=falun.secret").get_data(
        as_text=True)


def test_filters_by_action_entity_type_actor_and_dates(client, world, sign_in_as):
    app = client.application
    vasa = world["vasa"]
    add_entry(app, vasa, action="widget.created", entity_type="Widget", actor="anna@example.org",
              when=datetime(2026, 1, 10, 12, tzinfo=UTC))
    add_entry(app, vasa, action="widget.updated", entity_type="Widget", actor="bertil@example.org",
              when=datetime(2026, 2, 20, 12, tzinfo=UTC))
    add_entry(app, vasa, action="report.sent", entity_type="Report", actor="anna@example.org",
              when=datetime(2026, 3, 5, 12, tzinfo=UTC))
    sign_in_as(client, "admin@example.org")
    page = client.get("/t/vasa/audit").get_data(as_text=True)
    assert '<option value="widget.created">widget.created</option>' in page  # unlabelled: by code

    def shown(query: str) -> list[str]:
        return actions_shown(client.get(f"/t/vasa/audit?{query}").get_data(as_text=True))

    assert shown("action=widget.updated") == ["widget.updated"]
    assert shown("entity_type=Widget") == ["widget.updated", "widget.created"]
    assert shown("actor=ANNA") == ["report.sent", "widget.created"]
    assert shown("date_from=2026-02-01&date_to=2026-02-28") == ["widget.updated"]
    assert shown("date_from=2026-02-20&date_to=2026-02-20") == ["widget.updated"]  # inclusive
    assert shown("date_to=2026-01-31") == ["widget.created"]
    assert shown("entity_type=Widget&actor=anna") == ["widget.created"]
    empty = client.get("/t/vasa/audit?actor=nobody").get_data(as_text=True)
    assert "No entries match the filter." in empty


def test_unreadable_dates_are_reported(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    response = client.get("/t/vasa/audit?date_from=31.1.2026")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a date as year-month-day, e.g. 2026-01-31." in page
    assert 'id="date_from-error"' in page
    response = client.get("/t/vasa/audit?date_from=2026-02-01&date_to=2026-01-01")
    assert response.status_code == 400
    assert "The end date is before the start date." in response.get_data(as_text=True)


def test_the_trail_is_paginated(client, world, sign_in_as):
    app = client.application
    for number in range(35):
        add_entry(app, world["vasa"], action=f"test.n{number:02d}",
                  when=datetime(2026, 1, 1, 0, number, tzinfo=UTC))
    sign_in_as(client, "admin@example.org")
    first = client.get("/t/vasa/audit?entity_type=Test").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert actions_shown(first)[:2] == ["test.n34", "test.n33"]
    assert len(actions_shown(first)) == 30
    second = client.get("/t/vasa/audit?entity_type=Test&page=2").get_data(as_text=True)
    assert actions_shown(second) == ["test.n04", "test.n03", "test.n02", "test.n01", "test.n00"]
    assert 'href="/t/vasa/audit?entity_type=Test&amp;page=1"' in second  # filters kept


def test_viewers_get_403_non_members_404_anonymous_sign_in(client, world, sign_in_as):
    response = client.get("/t/vasa/audit")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
    sign_in_as(client, "viewer@example.org")
    assert 'href="/t/vasa/audit"' not in client.get("/t/vasa/").get_data(as_text=True)
    assert client.get("/t/vasa/audit").status_code == 403
    other = client.application.test_client()
    sign_in_as(other, "falun.admin@example.org")
    assert other.get("/t/vasa/audit").status_code == 404


def test_no_route_changes_or_deletes_entries(app, client, world, sign_in_as):
    audit_rules = [rule for rule in app.url_map.iter_rules() if "audit" in rule.rule]
    assert audit_rules, "the audit trail page exists"
    for rule in audit_rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule.rule
    before = count_entries(app, world["vasa"])
    sign_in_as(client, "admin@example.org")
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/t/vasa/audit").status_code == 405
    assert count_entries(app, world["vasa"]) == before


def test_entries_cannot_be_changed_through_the_orm(app, world):
    entry_id = add_entry(app, world["vasa"])
    with app.app_context(), tenant_scope(world["vasa"].id):
        entry = db.session.get(AuditEntry, entry_id)
        entry.action = "rewritten"
        with pytest.raises(AuditEntryImmutable):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry_id))
        with pytest.raises(AuditEntryImmutable):
            db.session.flush()
        db.session.rollback()


def test_the_database_refuses_changes_to_entries_on_postgresql(app, world):
    entry_id = add_entry(app, world["vasa"])
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the grants are PostgreSQL's; SQLite has no roles")
        from sqlalchemy.exc import ProgrammingError

        for statement in (update(AuditEntry.__table__).values(action="rewritten"),
                          text("DELETE FROM audit_entries")):
            with platform_scope("test: the application role tries to rewrite history"):
                with pytest.raises(ProgrammingError, match="permission denied"):
                    db.session.execute(statement)
                db.session.rollback()
    with app.app_context(), tenant_scope(world["vasa"].id):
        assert db.session.get(AuditEntry, entry_id).action == "test.recorded"
