"""Automatic tenant scoping in the ORM session (platform/db.py).

Every query of a tenant-owned model gets the current tenant's criteria, wherever the model
appears in the statement; with no tenant in context it raises unless the code is marked as
platform code; new rows are stamped and rows of another tenant cannot be written.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased

from samverkan.platform.db import (
    TenantContextMissing,
    current_tenant_id,
    db,
    in_platform_scope,
    platform_scope,
    tenant_scope,
    utcnow,
)
from samverkan.tenants.models import Invitation, Membership, Organisation, Tenant, User


@pytest.fixture
def two_tenants(factory):
    """Tenants A (two organisations) and B (three), each with a member."""
    a = factory.tenant("tenant-a")
    b = factory.tenant("tenant-b")
    orgs = {
        "a": [factory.organisation(a), factory.organisation(a)],
        "b": [factory.organisation(b) for _ in range(3)],
    }
    factory.user("member.a@example.org", tenant=a, roles=["viewer"])
    factory.user("member.b@example.org", tenant=b, roles=["viewer"])
    return a, b, orgs


def _ids(rows) -> set[int]:
    return {row.id for row in rows}


def _plain(rows) -> list[tuple]:
    """Result rows as comparable values: entities by class and id."""
    return sorted(
        tuple((type(v).__name__, v.id) if hasattr(v, "__table__") else v for v in row)
        for row in rows
    )


STATEMENTS = {
    "entity": lambda: select(Organisation),
    "column": lambda: select(Organisation.id),
    "count over select_from": lambda: select(func.count()).select_from(Organisation),
    "count of a column": lambda: select(func.count(Organisation.id)),
    "join target": lambda: select(Tenant).join(Organisation, Organisation.tenant_id == Tenant.id),
    "subquery": lambda: select(Tenant).where(Tenant.id.in_(select(Organisation.tenant_id))),
    "exists": lambda: select(User).where(
        select(Membership.id).where(Membership.user_id == User.id).exists()
    ),
    "alias": lambda: select(aliased(Organisation)),
    "update": lambda: update(Organisation).values(is_archived=True),
    "delete": lambda: delete(Invitation),
}


@pytest.mark.parametrize("name", list(STATEMENTS))
def test_query_without_tenant_raises(app, two_tenants, name):
    with app.app_context():
        assert current_tenant_id() is None and not in_platform_scope()
        with pytest.raises(TenantContextMissing):
            db.session.execute(STATEMENTS[name]())


def test_session_get_without_tenant_raises(app, two_tenants):
    _, _, orgs = two_tenants
    with app.app_context(), pytest.raises(TenantContextMissing):
        db.session.get(Organisation, orgs["a"][0].id)


def test_queries_of_platform_models_need_no_tenant(app, two_tenants):
    with app.app_context():
        assert {t.slug for t in db.session.scalars(select(Tenant))} == {"tenant-a", "tenant-b"}
        assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_platform_scope_reads_every_tenant(app, two_tenants):
    a, b, orgs = two_tenants
    everything = _ids(orgs["a"]) | _ids(orgs["b"])
    with app.app_context(), platform_scope("test: an operator report over every tenant"):
        assert in_platform_scope()
        assert _ids(db.session.scalars(select(Organisation))) == everything
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 2
    with app.app_context():
        assert not in_platform_scope()
        with pytest.raises(TenantContextMissing):
            db.session.scalars(select(Organisation)).all()


def test_tenant_scope_nested_in_platform_scope_narrows(app, two_tenants):
    a, b, orgs = two_tenants
    with app.app_context(), platform_scope("test"):
        with tenant_scope(a.id):
            assert _ids(db.session.scalars(select(Organisation))) == _ids(orgs["a"])
            assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2
        with tenant_scope(b.id):
            assert _ids(db.session.scalars(select(Organisation))) == _ids(orgs["b"])
        # Back in platform scope: every tenant again.
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 5


@pytest.mark.parametrize("name", [n for n in STATEMENTS if n not in ("update", "delete")])
def test_cached_statements_use_the_tenant_of_each_execution(app, two_tenants, name):
    """The same statement (one compiled-SQL cache entry) run for A, B, A sees each tenant."""
    a, b, orgs = two_tenants
    with app.app_context(), platform_scope("test: expected rows"):
        expected = {}
        for tenant in (a, b):
            with tenant_scope(tenant.id):
                expected[tenant.id] = _plain(db.session.execute(STATEMENTS[name]()))
    assert expected[a.id] != expected[b.id]
    for tenant in (a, b, a, b):
        with app.app_context(), tenant_scope(tenant.id):
            assert _plain(db.session.execute(STATEMENTS[name]())) == expected[tenant.id]


def test_cached_entity_queries_return_only_the_current_tenants_rows(app, two_tenants):
    a, b, orgs = two_tenants
    for tenant, mine in ((a, orgs["a"]), (b, orgs["b"]), (a, orgs["a"]), (b, orgs["b"])):
        with app.app_context(), tenant_scope(tenant.id):
            assert _ids(db.session.scalars(select(Organisation))) == _ids(mine)
            assert {o.tenant_id for o in db.session.scalars(select(Organisation))} == {tenant.id}
            assert db.session.scalar(select(func.count()).select_from(Organisation)) == len(mine)
            other = orgs["b" if tenant.id == a.id else "a"][0]
            assert db.session.get(Organisation, other.id) is None


def _cross_tenant_rows(app, a, b, orgs):
    """Rows of tenant A that point at tenant B's organisation (only platform code can do this)."""
    with app.app_context(), platform_scope("test: deliberately inconsistent data"):
        user = db.session.scalar(select(User).where(User.email == "member.a@example.org"))
        invitation = Invitation(
            tenant_id=a.id, email="x@example.org", roles=["viewer"],
            organisation_id=orgs["b"][0].id, token_hash="h" * 64,
            expires_at=utcnow() + timedelta(days=1),
        )
        db.session.add(invitation)
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        membership.organisation_id = orgs["b"][0].id
        db.session.commit()
        return invitation.id, membership.id


def test_relationship_loads_stay_scoped(app, two_tenants):
    a, b, orgs = two_tenants
    invitation_id, membership_id = _cross_tenant_rows(app, a, b, orgs)
    with app.app_context(), tenant_scope(a.id):
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None
        assert invitation.organisation_id == orgs["b"][0].id
        assert invitation.organisation is None  # lazy load: B's organisation is not found
        membership = db.session.get(Membership, membership_id)
        assert membership.organisation is None  # joined eager load: scoped as well
    with app.app_context(), tenant_scope(b.id):
        assert db.session.get(Invitation, invitation_id) is None


def test_relationship_load_in_another_tenants_context_finds_nothing(app, two_tenants):
    a, b, orgs = two_tenants
    with app.app_context(), tenant_scope(a.id):
        db.session.add(Invitation(
            email="y@example.org", roles=["viewer"], organisation_id=orgs["a"][0].id,
            token_hash="k" * 64, expires_at=utcnow() + timedelta(days=1),
        ))
        db.session.commit()
    with app.app_context():
        with tenant_scope(a.id):
            invitation = db.session.scalar(select(Invitation))
        # Loaded for A, its relationship first touched while B is current.
        with tenant_scope(b.id):
            assert invitation.organisation is None
        db.session.rollback()
        with tenant_scope(a.id):
            invitation = db.session.scalar(select(Invitation))
            assert invitation.organisation.id == orgs["a"][0].id


def test_orm_update_and_delete_are_scoped(app, two_tenants):
    a, b, orgs = two_tenants
    with app.app_context(), tenant_scope(a.id):
        result = db.session.execute(update(Organisation).values(is_archived=True))
        assert result.rowcount == 2
        db.session.commit()
    with app.app_context(), tenant_scope(a.id):
        for org in orgs["b"]:
            db.session.add(Invitation(email="z@example.org", roles=["viewer"], tenant_id=a.id,
                                      token_hash=f"{org.id:064d}",
                                      expires_at=utcnow() + timedelta(days=1)))
        db.session.commit()
    with app.app_context(), tenant_scope(b.id):
        db.session.add(Invitation(email="z@example.org", roles=["viewer"], token_hash="b" * 64,
                                  expires_at=utcnow() + timedelta(days=1)))
        db.session.commit()
    with app.app_context(), tenant_scope(b.id):
        assert db.session.execute(delete(Invitation)).rowcount == 1
        db.session.commit()
    with app.app_context(), platform_scope("test: check every tenant"):
        archived = {o.id: o.is_archived for o in db.session.scalars(select(Organisation))}
        assert archived == {**{o.id: True for o in orgs["a"]}, **{o.id: False for o in orgs["b"]}}
        remaining = db.session.scalars(select(Invitation)).all()
        assert {i.tenant_id for i in remaining} == {a.id} and len(remaining) == len(orgs["b"])


def test_new_rows_are_stamped_with_the_current_tenant(app, two_tenants):
    a, b, _ = two_tenants
    with app.app_context(), tenant_scope(b.id):
        organisation = Organisation(kind="provider", name={"sv": "Ny"}, country="FI")
        db.session.add(organisation)
        db.session.flush()
        assert organisation.tenant_id == b.id
        db.session.commit()
    with app.app_context():
        db.session.add(Organisation(kind="provider", name={"sv": "Ingen"}, country="FI"))
        with pytest.raises(TenantContextMissing):
            db.session.flush()
        db.session.rollback()


def test_writing_a_row_of_another_tenant_raises(app, two_tenants):
    a, b, orgs = two_tenants
    with app.app_context(), tenant_scope(a.id):
        db.session.add(Organisation(tenant_id=b.id, kind="provider", name={}, country="FI"))
        with pytest.raises(TenantContextMissing):
            db.session.flush()
        db.session.rollback()
    with app.app_context():
        with platform_scope("test: load B's row"):
            organisation = db.session.get(Organisation, orgs["b"][0].id)
        with tenant_scope(a.id):
            organisation.name = {"sv": "Kapad"}
            with pytest.raises(TenantContextMissing):
                db.session.flush()
        db.session.rollback()
    with app.app_context():
        with platform_scope("test: load B's row"):
            organisation = db.session.get(Organisation, orgs["b"][0].id)
        with tenant_scope(a.id):
            db.session.delete(organisation)
            with pytest.raises(TenantContextMissing):
                db.session.flush()
        db.session.rollback()
    with app.app_context(), platform_scope("test: B's rows are unchanged"), tenant_scope(b.id):
        names = {o.id: o.name for o in db.session.scalars(select(Organisation))}
        assert set(names) == _ids(orgs["b"]) and {"sv": "Kapad"} not in names.values()
