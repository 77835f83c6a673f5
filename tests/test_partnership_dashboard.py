"""Partnership follow-up pages: the tenant overview by role, an agreement's dashboard (values
against targets with met, near and missed), the goal chain, the exports and the printable
follow-up report.

The tenant ``kust`` has a purchaser municipality and two providers, North and South, each party
to an agreement of its own (NORTH and SOUTH, 2025, quarterly periods). NORTH's indicator
``started`` (count, higher is better) has a target of 40 a quarter; with the default near band
of 10 %, 42 is met, 37 near and 30 missed. Q1 and Q2 are accepted, Q3 is submitted and awaits
review.
"""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from samverkan.partnership import services as psvc
from samverkan.partnership.models import Agreement
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user

SLUG = "kust"
BASE = f"/t/{SLUG}/partnership"


class World:
    """Builds the tenant through the services; every step in its own application context."""

    def __init__(self, app, factory):
        self.app = app
        self.tenant_row = factory.tenant(SLUG, kind="consortium")
        self.orgs = {
            "purchaser": factory.organisation(self.tenant_row, kind="municipality",
                                              name={"sv": "Vasa stad", "fi": "Vaasan kaupunki"}).id,
            "north": factory.organisation(self.tenant_row, name={"sv": "Norra", "fi": "Pohjoinen"}).id,
            "south": factory.organisation(self.tenant_row, name={"sv": "Södra", "fi": "Eteläinen"}).id,
        }
        self.emails = {}
        for key, roles, org in (("admin", ["admin"], None), ("viewer", ["viewer"], None),
                                ("north", ["provider_reporter"], "north"),
                                ("south", ["provider_reporter"], "south")):
            email = f"{key}@{SLUG}.example.org"
            factory.user(email, tenant=self.tenant_row, roles=roles, locale="en",
                         organisation=SimpleNamespace(id=self.orgs[org]) if org else None)
            self.emails[key] = email
        with self.scope():
            self.periods = [p.id for p in psvc.generate_periods(self.tenant, self.p("admin"), 2025, 2025)]
            db.session.commit()
        self.agreements = {key: self.agreement(key) for key in ("north", "south")}

    @contextmanager
    def scope(self):
        with self.app.app_context(), tenant_scope(self.tenant_row.id):
            yield

    @property
    def tenant(self) -> Tenant:
        return db.session.get(Tenant, self.tenant_row.id)

    def p(self, key: str):
        user = db.session.scalar(select(User).where(User.email == self.emails[key]))
        return principal_for_user(self.tenant, user)

    def agreement(self, provider: str, indicators: int = 1, periods: int = 4, code: str | None = None,
                  valid_to: date = date(2025, 12, 31)) -> int:
        """A signed, active agreement with ``provider`` and indicators with targets."""
        with self.scope():
            admin = self.p("admin")
            agreement = psvc.create_agreement(self.tenant, admin, psvc.AgreementData(
                code=code or f"{provider.upper()}-1",
                title={"sv": f"Avtal {provider}", "fi": f"Sopimus {provider}"},
                valid_from=date(2025, 1, 1), valid_to=valid_to))
            psvc.add_party(self.tenant, admin, agreement, self.orgs["purchaser"], "purchaser")
            psvc.add_party(self.tenant, admin, agreement, self.orgs[provider], "provider")
            for n in range(indicators):
                code = "started" if n == 0 else f"i{n}"
                indicator = psvc.add_indicator(self.tenant, admin, agreement, psvc.IndicatorData(
                    code=code, name={"sv": f"Påbörjade {n}", "fi": f"Aloittaneet {n}"}, unit="count"))
                for period_id in self.periods[:periods]:
                    psvc.set_target(self.tenant, admin, indicator, period_id, "40")
            psvc.transition_agreement(self.tenant, admin, agreement, "negotiation")
            psvc.sign(self.tenant, admin, agreement)
            psvc.sign(self.tenant, self.p(provider), agreement)
            psvc.apply_calendar(self.tenant, date(2025, 1, 1))
            db.session.commit()
            return agreement.id

    def report(self, provider: str, agreement_id: int, quarter: int, values: dict,
               accept: bool = True, review: dict | None = None) -> int:
        with self.scope():
            agreement = db.session.get(Agreement, agreement_id)
            report = psvc.open_report(self.tenant, self.p(provider), agreement, self.periods[quarter - 1])
            psvc.submit_report(self.tenant, self.p(provider), report, values=values)
            if accept:
                psvc.accept_report(self.tenant, self.p("admin"), report, comments=review)
            db.session.commit()
            return report.id


@pytest.fixture
def world(app, factory):
    world = World(app, factory)
    north = world.agreements["north"]
    world.report("north", north, 1, {"started": {"value": "42", "comment": {"sv": "Bra start"}}},
                 review={"started": {"sv": "Tack, godkänt"}})
    world.report("north", north, 2, {"started": "37"})
    world.report("north", north, 3, {"started": "30"}, accept=False)
    world.report("south", world.agreements["south"], 1, {"started": "11"})
    return world


def enter(client, sign_in_as, world, key: str) -> None:
    sign_in_as(client, world.emails[key])


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


@contextmanager
def count_queries(app):
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        # PostgreSQL's row-level security adds a set_config per transaction: not a data query.
        if "set_config(" not in statement:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


# --- the overview --------------------------------------------------------------------------------


def test_overview_counts_agreements_by_status_and_links_to_the_list(client, world, sign_in_as):
    enter(client, sign_in_as, world, "admin")
    body = page(client, BASE)
    counts = body.split('id="status-heading"')[1].split("</table>")[0]
    assert "2 in all" in counts
    active = counts.split("Active</th>")[1].split("</tr>")[0]
    assert ">2<" in active or "2<span" in active
    if "partnership.agreements" in client.application.view_functions:
        assert "status=active" in active


def test_overview_shows_late_reports_and_missing_targets(client, world, sign_in_as, monkeypatch):
    from samverkan.partnership.services import common

    monkeypatch.setattr(common, "today", lambda: date(2025, 11, 10))  # Q3 due 30 Oct 2025
    enter(client, sign_in_as, world, "admin")
    body = page(client, BASE)
    late = body.split('id="late-heading"')[1].split("</section>")[0]
    # South has not reported Q2 or Q3; North submitted Q3 (awaiting review), so it is not late.
    assert "SOUTH-1" in late and "2025 Q2" in late and "2025 Q3" in late
    assert "NORTH-1" not in late
    missing = body.split('id="targets-heading"')[1].split("</section>")[0]
    assert "Every indicator has a target" in missing  # every quarter has a target


def test_a_provider_reporter_sees_only_its_own_organisation(client, world, sign_in_as, monkeypatch):
    from samverkan.partnership.services import common

    monkeypatch.setattr(common, "today", lambda: date(2025, 11, 10))
    enter(client, sign_in_as, world, "north")
    body = page(client, BASE)
    assert "1 in all" in body
    assert "SOUTH-1" not in body and "Södra" not in body and "Eteläinen" not in body
    assert client.get(f"{BASE}/agreements/{world.agreements['south']}/dashboard").status_code == 404
    assert client.get(f"{BASE}/agreements/{world.agreements['south']}/export?format=csv").status_code == 404
    assert client.get(f"{BASE}/agreements/{world.agreements['south']}/follow-up").status_code == 404
    other = client.application.test_client()
    enter(other, sign_in_as, world, "south")
    body = page(other, BASE)
    late = body.split('id="late-heading"')[1].split("</section>")[0]
    assert "SOUTH-1" in late and "NORTH-1" not in body


def test_overview_empty_state_names_the_next_step(client, app, factory, sign_in_as):
    tenant = factory.tenant("tom")
    factory.user("admin@tom.example.org", tenant=tenant, roles=["admin"], locale="en")
    sign_in_as(client, "admin@tom.example.org")
    body = page(client, "/t/tom/partnership")
    assert "No agreements yet. Start by creating the first agreement" in body


# --- an agreement's dashboard --------------------------------------------------------------------


def test_dashboard_shows_met_near_and_missed_against_targets(client, world, sign_in_as):
    enter(client, sign_in_as, world, "viewer")
    url = f"{BASE}/agreements/{world.agreements['north']}/dashboard"
    body = page(client, url)
    table = body.split('class="chart-data"')[1].split("</table>")[0]
    q1 = table.split("2025 Q1</th>")[1].split("</tr>")[0]
    q2 = table.split("2025 Q2</th>")[1].split("</tr>")[0]
    q3 = table.split("2025 Q3</th>")[1].split("</tr>")[0]
    assert "42" in q1 and "Met" in q1
    assert "37" in q2 and "Near" in q2
    assert "30" not in q3 and "–" in q3  # submitted, not accepted: not counted by default
    assert "Only values of accepted reports count" in body
    assert 'role="img"' in body and "<title id=\"chart-" in body and "<desc id=\"chart-" in body
    # the latest comments, of the reporter and the reviewer
    comments = body.split('id="comments-heading"')[1].split("</section>")[0]
    assert "Bra start" in comments and "Tack, godkänt" in comments

    body = page(client, url + "?include=submitted")
    table = body.split('class="chart-data"')[1].split("</table>")[0]
    q3 = table.split("2025 Q3</th>")[1].split("</tr>")[0]
    assert "30 *" in q3 and "Missed" in q3
    # the year is not complete (Q4 has a target and no value): no status for the year
    assert "Year not complete" in body


def test_dashboard_follows_the_tenants_near_threshold(client, world, sign_in_as):
    with world.scope():
        psvc.update_partnership_settings(world.tenant, world.p("admin"), {"near_percent": "5"})
        db.session.commit()
    enter(client, sign_in_as, world, "admin")
    body = page(client, f"{BASE}/agreements/{world.agreements['north']}/dashboard")
    q2 = body.split('class="chart-data"')[1].split("2025 Q2</th>")[1].split("</tr>")[0]
    assert "Missed" in q2  # 37 is 7.5 % short of 40
    assert "at most 5 %" in body


def test_dashboard_queries_do_not_grow_with_indicators_or_periods(app, client, world, sign_in_as):
    small = world.agreement("north", indicators=1, periods=1, code="SMALL", valid_to=date(2025, 3, 31))
    large = world.agreement("north", indicators=6, periods=4, code="LARGE")
    for agreement_id, count in ((small, 1), (large, 6)):
        values = {"started": "40", **{f"i{n}": "39" for n in range(1, count)}}
        for quarter in range(1, 5 if count > 1 else 2):
            world.report("north", agreement_id, quarter, values)
    enter(client, sign_in_as, world, "north")

    def queries(agreement_id: int, cells: int) -> int:
        url = f"{BASE}/agreements/{agreement_id}/dashboard?include=submitted"
        body = page(client, url)  # warm caches (templates)
        assert body.count("</tr>") > cells
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    few, many = queries(small, 1), queries(large, 24)
    assert few == many, (few, many)
    assert many < 25, many


# --- the goal chain ------------------------------------------------------------------------------


def _link_goal(world, factory) -> int:
    steering = factory.ownership_steering(world.tenant_row)
    with world.scope():
        agreement = db.session.get(Agreement, world.agreements["north"])
        indicator = agreement.indicators[0]
        indicator.steering_goal_id = steering["goal"]
        db.session.commit()
    return steering["goal"]


def test_goal_chain_shows_goal_indicator_and_values(client, world, factory, sign_in_as):
    goal_id = _link_goal(world, factory)
    enter(client, sign_in_as, world, "viewer")
    body = page(client, f"{BASE}/goals/{goal_id}/chain")
    assert "Fler i arbete" in body or "Enemmän työllistyneitä" in body
    assert "NORTH-1" in body and "started" in body
    assert "2025 Q1</th>" in body and "42" in body
    detail = page(client, f"/t/{SLUG}/ownership/goals/{goal_id}")
    assert f'href="{BASE}/goals/{goal_id}/chain"' in detail and "Linked indicators" in detail
    # the South reporter sees the goal, but not North's indicator and values
    other = client.application.test_client()
    enter(other, sign_in_as, world, "south")
    body = page(other, f"{BASE}/goals/{goal_id}/chain")
    assert "NORTH-1" not in body and "No indicator of an agreement you can see" in body


def test_goal_detail_has_no_chain_link_without_linked_indicators(client, world, factory, sign_in_as):
    steering = factory.ownership_steering(world.tenant_row)
    enter(client, sign_in_as, world, "viewer")
    detail = page(client, f"/t/{SLUG}/ownership/goals/{steering['goal']}")
    assert "/chain" not in detail


# --- exports and the follow-up report ------------------------------------------------------------


def test_csv_export_has_bom_semicolons_and_the_values(client, world, sign_in_as):
    enter(client, sign_in_as, world, "admin")
    response = client.get(f"{BASE}/agreements/{world.agreements['north']}/export?format=csv&locale=sv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, data = rows[0], rows[1:]
    assert len(header) == 14
    q1 = next(r for r in data if r[6] == "2025 Q1")
    q2 = next(r for r in data if r[6] == "2025 Q2")
    assert q1[1] == "started" and q1[2] == "Påbörjade 0" and q1[10] == "40" and q1[11] == "42"
    assert q2[11] == "37" and q1[12] != q2[12]
    year = next(r for r in data if r[6] == "2025")
    assert year[11] == "79"  # accepted Q1 + Q2 (sum)


def test_xlsx_export_has_numbers(client, world, sign_in_as):
    enter(client, sign_in_as, world, "admin")
    response = client.get(
        f"{BASE}/agreements/{world.agreements['north']}/export?format=xlsx&include=submitted&lang=en")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Agreement" and rows[0][11] == "Value"
    q3 = next(r for r in rows[1:] if r[6] == "2025 Q3")
    assert q3[11] == 30 and q3[10] == 40 and q3[12] == "Missed" and q3[13] == "Yes"
    assert client.get(f"{BASE}/agreements/{world.agreements['north']}/export?format=pdf").status_code == 404


def test_follow_up_report_in_each_content_locale(client, world, sign_in_as):
    enter(client, sign_in_as, world, "admin")
    url = f"{BASE}/agreements/{world.agreements['north']}/follow-up"
    sv = page(client, url + "?locale=sv")
    fi = page(client, url + "?locale=fi")
    assert 'lang="sv"' in sv and "Avtal north" in sv and "Påbörjade 0" in sv and "Norra" in sv
    assert 'lang="fi"' in fi and "Sopimus north" in fi and "Aloittaneet 0" in fi and "Pohjoinen" in fi
    assert 'class="annual-report"' in sv and 'role="img"' in sv
    assert f'{url}?locale=fi' in sv


@pytest.mark.parametrize("key", ["admin", "viewer", "north", "south"])
def test_every_member_reads_the_pages_they_may_see(client, world, sign_in_as, key):
    enter(client, sign_in_as, world, key)
    own = world.agreements["south" if key == "south" else "north"]
    for url in (BASE, f"{BASE}/agreements/{own}/dashboard", f"{BASE}/agreements/{own}/follow-up",
                f"{BASE}/agreements/{own}/export?format=csv"):
        assert client.get(url).status_code == 200, url


def test_another_tenants_agreement_is_not_found(client, world, factory, sign_in_as):
    other = factory.tenant("annan")
    factory.user("admin@annan.example.org", tenant=other, roles=["admin"], locale="en")
    sign_in_as(client, "admin@annan.example.org")
    agreement_id = world.agreements["north"]
    for suffix in ("dashboard", "follow-up", "export?format=csv"):
        assert client.get(f"/t/annan/partnership/agreements/{agreement_id}/{suffix}").status_code == 404


def _ids(body: str) -> list[str]:
    from html.parser import HTMLParser

    found: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(value for name, value in attrs if name == "id")

    Parser().feed(body)
    return found


def test_pages_have_unique_ids_and_labelled_charts(client, world, factory, sign_in_as):
    goal_id = _link_goal(world, factory)
    enter(client, sign_in_as, world, "admin")
    agreement = world.agreements["north"]
    for url in (BASE, f"{BASE}/agreements/{agreement}/dashboard?include=submitted",
                f"{BASE}/agreements/{agreement}/follow-up?locale=sv", f"{BASE}/goals/{goal_id}/chain"):
        body = page(client, url)
        ids = _ids(body)
        assert len(ids) == len(set(ids)), (url, sorted(i for i in ids if ids.count(i) > 1))
        for chart_id in (i for i in ids if i.startswith("chart-") and i.count("-") == 1):
            assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in body


def test_overview_queries_do_not_grow_with_the_number_of_agreements(app, client, world, sign_in_as,
                                                                     monkeypatch):
    from samverkan.partnership.services import common

    monkeypatch.setattr(common, "today", lambda: date(2025, 11, 10))
    enter(client, sign_in_as, world, "admin")

    def queries() -> int:
        page(client, BASE)
        with count_queries(app) as statements:
            assert client.get(BASE).status_code == 200
        return len(statements)

    few = queries()
    for n in range(3):
        world.agreement("south", indicators=2, periods=2, code=f"MORE-{n}")
    many = queries()
    body = page(client, BASE)
    assert "MORE-2" in body.split('id="late-heading"')[1]  # the new agreements show
    assert few == many, (few, many)
