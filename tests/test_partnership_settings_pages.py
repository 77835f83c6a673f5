"""The partnership settings page (admins only): the reporting frequency, the deadline offset, the
near-target threshold and the reminder days, and the reporting calendar: periods per year with
their deadlines, generating the periods of a range of years, and moving one period's deadline.
Invalid input shows errors and changes nothing; changed settings take effect on what is made
afterwards."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from samverkan.partnership import services as svc
from samverkan.partnership.models import ReportingPeriod, TargetStatus
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user

URL = "/t/vasa/partnership/settings"


class World:
    def __init__(self, app, factory, sign_in):
        self.app, self.sign_in = app, sign_in
        self._tenant = factory.tenant("vasa")
        provider = factory.organisation(self._tenant, kind="provider")
        self.emails = {}
        for key, roles in {"admin": ["admin"], "purchaser": ["purchaser"], "viewer": ["viewer"],
                           "reporter": ["provider_reporter"]}.items():
            self.emails[key] = f"{key}.vasa@example.org"
            factory.user(self.emails[key], tenant=self._tenant, roles=roles, locale="en",
                         organisation=provider if key == "reporter" else None)

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

    def client(self, key: str):
        client = self.app.test_client()
        self.sign_in(client, self.emails[key])
        return client

    def settings(self) -> dict:
        with self.scope():
            return svc.partnership_settings(self.tenant).as_dict()

    def periods(self) -> list[tuple[str, str, date]]:
        with self.scope():
            rows = db.session.scalars(select(ReportingPeriod).order_by(
                ReportingPeriod.frequency, ReportingPeriod.starts_on)).all()
            return [(p.frequency, p.label, p.deadline) for p in rows]

    def generate(self, first: int, last: int) -> dict[str, int]:
        with self.scope():
            made = svc.generate_periods(self.tenant, self.p("admin"), first, last)
            db.session.commit()
            return {p.label: p.id for p in made}


@pytest.fixture
def world(app, factory, sign_in_as) -> World:
    return World(app, factory, sign_in_as)


def text(response) -> str:
    return response.get_data(as_text=True)


def main(response) -> str:
    page = text(response)
    return page[page.index("<main"):]


def assert_unique_ids(page: str) -> None:
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


SETTINGS = {"frequency": "quarter", "deadline_offset_days": "30", "near_percent": "10",
            "reminder_days_before": "14", "recheck_months": "12"}


def test_only_admins_open_the_settings(world):
    for key in ("purchaser", "viewer", "reporter"):
        client = world.client(key)
        assert client.get(URL).status_code == 403
        assert client.post(URL, data={**SETTINGS, "near_percent": "5"}).status_code == 403
        assert client.post(URL, data={"generate-first_year": "2025",
                                      "generate-last_year": "2025"}).status_code == 403
    assert world.periods() == [] and world.settings()["near_percent"] == "10"
    admin = world.client("admin")
    page = main(admin.get(URL))
    assert 'aria-current="page">Settings</a>' in page
    assert 'name="reminder_days_before"' in page and 'value="14"' in page  # the default
    assert 'name="recheck_months"' in page and 'value="12"' in page  # the default
    assert '<option selected value="quarter">Quarterly</option>' in page
    assert "There are no reporting periods yet." in page


def test_an_admin_changes_the_settings(world):
    admin = world.client("admin")
    response = admin.post(URL, data={"frequency": "month", "deadline_offset_days": "10",
                                     "near_percent": "12,5", "reminder_days_before": "7",
                                     "recheck_months": "6"})
    assert response.status_code == 302
    assert world.settings() == {"frequency": "month", "deadline_offset_days": 10,
                                "near_percent": "12.5", "reminder_days_before": 7,
                                "recheck_months": 6}
    page = main(admin.get(URL))
    assert "The partnership settings are saved." in page
    assert '<option selected value="month">Monthly</option>' in page and 'value="7"' in page
    with world.scope():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "partnership.settings_changed"))
        assert entry.before["reminder_days_before"] == 14 and entry.after["reminder_days_before"] == 7
        assert entry.before["recheck_months"] == 12 and entry.after["recheck_months"] == 6


@pytest.mark.parametrize("field, value, message", [
    ("near_percent", "101", "Enter a percentage from 0 to 100."),
    ("near_percent", "a lot", "Enter a number."),
    ("deadline_offset_days", "-1", "Enter a number of days from 0 to 365."),
    ("reminder_days_before", "400", "Enter a number of days from 0 to 365."),
    ("reminder_days_before", "", "This field is required."),
    ("recheck_months", "0", "Enter a number of months from 1 to 60."),
    ("recheck_months", "61", "Enter a number of months from 1 to 60."),
    ("recheck_months", "1.5", "Enter a number of months from 1 to 60."),
    ("frequency", "weekly", "Choose a reporting frequency."),
])
def test_invalid_settings_change_nothing(world, snapshots, field, value, message):
    admin = world.client("admin")
    before = snapshots.take()
    response = admin.post(URL, data={**SETTINGS, field: value})
    assert response.status_code == 400
    page = main(response)
    assert "Please correct the following" in page and message in page
    assert f'href="#{field}"' in page
    assert snapshots.changes(before, snapshots.take()) == {}


def test_generating_periods_follows_the_settings(world):
    admin = world.client("admin")
    response = admin.post(URL, data={"generate-first_year": "2025", "generate-last_year": "2026"})
    assert response.status_code == 302
    quarters = world.periods()
    assert [label for _, label, _ in quarters][:4] == ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"]
    assert len(quarters) == 8 and quarters[0][2] == date(2025, 4, 30)  # 31 March + 30 days
    page = main(admin.get(URL))
    assert_unique_ids(text(admin.get(URL)))
    assert "The calendar has 8 periods (Quarterly) from 2025 to 2026." in page
    assert "<caption>Reporting periods of 2025</caption>" in page
    assert "<caption>Reporting periods of 2026</caption>" in page
    # Again: nothing is added twice.
    admin.post(URL, data={"generate-first_year": "2025", "generate-last_year": "2026"})
    assert len(world.periods()) == 8
    # A new frequency and offset apply to the periods made afterwards.
    admin.post(URL, data={**SETTINGS, "frequency": "half_year", "deadline_offset_days": "15"})
    admin.post(URL, data={"generate-first_year": "2027", "generate-last_year": "2027"})
    halves = [(label, deadline) for frequency, label, deadline in world.periods()
              if frequency == "half_year"]
    assert halves == [("2027 H1", date(2027, 7, 15)), ("2027 H2", date(2028, 1, 15))]
    page = main(admin.get(f"{URL}?year=2027"))
    assert "<caption>Reporting periods of 2027</caption>" in page
    assert "<caption>Reporting periods of 2025</caption>" not in page
    assert "Half-yearly" in page  # the frequency column, as the calendar has two


@pytest.mark.parametrize("first, last, message", [
    ("2030", "2025", "Enter a range of at most 20 years between 1990 and 2100."),
    ("2025", "2060", "Enter a range of at most 20 years"),
    ("twenty", "2025", "Enter a whole number."),
])
def test_a_wrong_range_of_years_adds_nothing(world, snapshots, first, last, message):
    admin = world.client("admin")
    before = snapshots.take()
    response = admin.post(URL, data={"generate-first_year": first, "generate-last_year": last})
    assert response.status_code == 400 and message in text(response)
    assert snapshots.changes(before, snapshots.take()) == {}


def test_a_period_deadline_is_moved(world, snapshots):
    ids = world.generate(2025, 2025)
    admin = world.client("admin")
    url = f"{URL}/periods/{ids['2025 Q2']}"
    page = main(admin.get(url))
    assert "Reporting deadline of 2025 Q2" in page and 'value="2025-07-30"' in page
    before = snapshots.take()
    for value, message in (("2025-06-29", "cannot be before the last day of the period"),
                           ("2026-08-01", "at most a year after the end of the period"),
                           ("30.7.2025", "Enter a date as year-month-day")):
        response = admin.post(url, data={"deadline": value})
        assert response.status_code == 400 and message in text(response), value
    assert snapshots.changes(before, snapshots.take()) == {}
    assert admin.post(url, data={"deadline": "2025-08-15"}).status_code == 302
    assert ("quarter", "2025 Q2", date(2025, 8, 15)) in world.periods()
    listing = main(admin.get(f"{URL}?year=2025"))
    assert "The deadline of 2025 Q2 is Aug 15, 2025." in listing
    assert re.search(r'2025 Q2</th>.*?<time datetime="2025-08-15">', listing, re.S)
    with world.scope():
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "partnership.period_deadline_changed")) is not None
    for key in ("purchaser", "reporter"):
        assert world.client(key).post(url, data={"deadline": "2025-08-20"}).status_code == 403


def test_another_tenants_period_is_not_found(world, factory, sign_in_as, app):
    ids = world.generate(2025, 2025)
    other = factory.tenant("other")
    factory.user("admin.other@example.org", tenant=other, roles=["admin"])
    client = app.test_client()
    sign_in_as(client, "admin.other@example.org")
    assert client.get(f"/t/other/partnership/settings/periods/{ids['2025 Q1']}").status_code == 404
    assert client.get(f"{URL}/periods/{ids['2025 Q1']}").status_code == 404


def test_the_near_threshold_takes_effect(world):
    admin = world.client("admin")
    with world.scope():
        assert svc.target_status("higher", Decimal(85), Decimal(100),
                                 svc.partnership_settings(world.tenant)) == TargetStatus.MISSED
    admin.post(URL, data={**SETTINGS, "near_percent": "20"})
    with world.scope():
        assert svc.target_status("higher", Decimal(85), Decimal(100),
                                 svc.partnership_settings(world.tenant)) == TargetStatus.NEAR
