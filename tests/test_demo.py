"""The demo data: complete, idempotent, and each demo user sees exactly their tenants."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from samverkan.platform.db import db, platform_scope
from samverkan.platform.demo import DEMO_PASSWORD, USERS, seed


def _row_counts() -> dict[str, int]:
    counts = {}
    with platform_scope("test counts every tenant's rows"):
        for table in db.metadata.sorted_tables:
            counts[table.name] = db.session.scalar(select(func.count()).select_from(table))
    return counts


@pytest.fixture
def demo_app(app):
    with app.app_context():
        seed()
    return app


def test_seeding_twice_changes_nothing(demo_app):
    with demo_app.app_context():
        before = _row_counts()
        seed()
        after = _row_counts()
    assert before == after
    assert before["tenants"] == 4
    assert before["users"] == len(USERS)


@pytest.mark.parametrize("email,_name,_locale,_operator,memberships", USERS)
def test_each_demo_user_sees_exactly_their_tenants(demo_app, email, _name, _locale, _operator,
                                                   memberships):
    client = demo_app.test_client()
    response = client.post("/signin", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get("/tenants?all=1").get_data(as_text=True)
    shown = set(re.findall(r'href="/t/([a-z0-9-]+)/"', page))
    assert shown == {slug for slug, _roles, _org in memberships}
    for slug in ("forbundet", "kustregionen", "vasa", "falun"):
        expected = 200 if slug in shown else 404
        assert client.get(f"/t/{slug}/").status_code == expected
