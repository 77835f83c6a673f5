"""Partnership pages of an agreement's indicators and targets: every member who may see the
agreement reads the indicators and the targets grid (missing targets marked); purchasers and
admins add, change and remove indicators and save the targets of an indicator all together or
not at all, while the agreement's version is open. Other roles get 403, members who may not
see the agreement (another provider's reporter, another tenant) 404; refused or invalid input
changes nothing.

The world: the municipality ``vasa`` (purchaser) and the providers Yrkesakademin (``p1``, party
to the agreement) and Novia (``p2``, not a party), quarterly periods of 2025, an agreement
``SP-1`` for 2025 with the indicators ``started`` (count, a target for Q1) and ``employed``
(percent, no targets).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from samverkan.partnership import services as svc
from samverkan.partnership.models import Agreement, Indicator, IndicatorTarget
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user

BASE = "/t/vasa/partnership/agreements"
ROLES = {"admin": (["admin"], None), "purchaser": (["purchaser"], None),
         "p1": (["provider_reporter"], "p1"), "p2": (["provider_reporter"], "p2"),
         "viewer": (["viewer"], None)}


class World:
    def __init__(self, app, factory, sign_in):
        self.app, self.sign_in = app, sign_in
        self._tenant = factory.tenant("vasa")
        names = {"vasa": ("municipality", "Vasa stad"), "p1": ("provider", "Yrkesakademin"),
                 "p2": ("provider", "Novia")}
        self.org = {key: factory.organisation(self._tenant, kind=kind, name={"sv": name, "fi": name}).id
                    for key, (kind, name) in names.items()}
        self.emails = {}
        for key, (roles, org) in ROLES.items():
            self.emails[key] = f"{key}.vasa@example.org"
            factory.user(self.emails[key], tenant=self._tenant, roles=roles, locale="en",
                         organisation=SimpleNamespace(id=self.org[org]) if org else None)
        with self.scope():
            admin = self.p("admin")
            self.periods = {p.label: p.id for p in
                            svc.generate_periods(self.tenant, admin, 2025, 2025, "quarter")}
            agreement = svc.create_agreement(self.tenant, admin, svc.AgreementData(
                code="SP-1", title={"sv": "Strategiskt partnerskap", "fi": "Strateginen kumppanuus"},
                valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31)))
            svc.add_party(self.tenant, admin, agreement, self.org["vasa"], "purchaser")
            svc.add_party(self.tenant, admin, agreement, self.org["p1"], "provider")
            started = svc.add_indicator(self.tenant, admin, agreement, svc.IndicatorData(
                code="started", name={"sv": "Påbörjade", "fi": "Aloittaneet"}, unit="count"))
            svc.add_indicator(self.tenant, admin, agreement, svc.IndicatorData(
                code="employed", name={"sv": "Sysselsatta", "fi": "Työllistyneet"},
                unit="percent", aggregation="average"))
            svc.set_target(self.tenant, admin, started, self.periods["2025 Q1"], "40")
            db.session.commit()
            self.agreement_id = agreement.id
            self.indicators = {i.code: i.id for i in agreement.indicators}

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

    def url(self, suffix: str = "") -> str:
        return f"{BASE}/{self.agreement_id}/indicators{suffix}"

    def sign(self) -> None:
        """Negotiate and sign the agreement: its version is then closed for changes."""
        with self.scope():
            agreement = db.session.get(Agreement, self.agreement_id)
            svc.transition_agreement(self.tenant, self.p("admin"), agreement, "negotiation")
            svc.sign(self.tenant, self.p("purchaser"), agreement)
            svc.sign(self.tenant, self.p("p1"), agreement)
            db.session.commit()

    def indicator_rows(self) -> dict[str, tuple]:
        with self.scope():
            rows = db.session.scalars(select(Indicator).order_by(Indicator.id)).all()
            return {i.code: (i.name, i.unit, i.direction, i.aggregation, i.steering_goal_id,
                             i.position) for i in rows}

    def targets(self, code: str) -> dict[str, Decimal]:
        with self.scope():
            rows = db.session.scalars(select(IndicatorTarget).where(
                IndicatorTarget.indicator_id == self.indicators[code])).all()
            return {t.period.label: t.value for t in rows}


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


def indicator_form(**overrides) -> dict:
    form = {"code": "satisfaction", "name-sv": "Nöjdhet", "name-fi": "Tyytyväisyys",
            "definition-sv": "", "definition-fi": "", "unit": "score", "direction": "higher",
            "aggregation": "average", "steering_goal_id": "", "position": ""}
    form.update(overrides)
    return form


# --- reading ---------------------------------------------------------------------------------


def test_members_who_see_the_agreement_read_indicators_and_the_targets_grid(world):
    for key in ("viewer", "p1"):
        response = world.client(key).get(world.url())
        assert response.status_code == 200
        page = main(response)
        assert 'aria-current="page">Indicators and targets</a>' in page  # the agreement's tab
        assert_unique_ids(text(response))
        table = page[page.index("<caption>Indicators (2)"):page.index("</table>")]
        assert re.findall(r'<th scope="row">(\w+)</th>', table) == ["started", "employed"]
        assert "Count" in table and "Percent" in table and "Higher is better" in table
        assert "Average of the periods" in table
        grid = page[page.index("<caption>Targets by reporting period"):]
        grid = grid[:grid.index("</table>")]
        rows = re.findall(r'<th scope="row">(2025 Q\d)</th>(.*?)</tr>', grid, re.S)
        assert [label for label, _ in rows] == ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"]
        assert ">40<" in rows[0][1] and rows[0][1].count("Missing") == 1
        assert all(cells.count("Missing") == 2 for _, cells in rows[1:])
        assert "7 targets are missing" in page
        # Reading only: no forms or links to change anything.
        assert "/indicators/new" not in page and "/edit" not in page and "/delete" not in page


def test_the_list_filters_and_sorts(world):
    client = world.client("viewer")
    page = main(client.get(world.url("?unit=percent")))
    table = page[page.index("<caption>Indicators"):page.index("</table>")]
    assert re.findall(r'<th scope="row">(\w+)</th>', table) == ["employed"]
    page = main(client.get(world.url("?q=PÅBÖR")))
    assert "<caption>Indicators (1)" in page
    page = main(client.get(world.url("?sort=code")))
    table = page[page.index("<caption>Indicators"):page.index("</table>")]
    assert re.findall(r'<th scope="row">(\w+)</th>', table) == ["employed", "started"]
    page = main(client.get(world.url("?q=nothing-like-this")))
    assert "No indicators match the filter." in page


def test_who_may_not_see_the_agreement_gets_404(world, factory, sign_in_as, app):
    p2 = world.client("p2")  # a provider that is not party to the agreement
    indicator = world.indicators["started"]
    for path in ("", f"/{indicator}/targets"):
        assert p2.get(world.url(path)).status_code == 404
    other = factory.tenant("other")
    factory.user("admin.other@example.org", tenant=other, roles=["admin"])
    stranger = app.test_client()
    sign_in_as(stranger, "admin.other@example.org")
    assert stranger.get(world.url()).status_code == 404
    assert stranger.get(f"/t/other/partnership/agreements/{world.agreement_id}/indicators"
                        ).status_code == 404
    assert world.client("admin").get(f"{BASE}/987654/indicators").status_code == 404


def test_only_purchasers_and_admins_change_indicators(world, snapshots):
    indicator = world.indicators["started"]
    clients = {key: world.client(key) for key in ("viewer", "p1")}
    before = snapshots.take()
    for client in clients.values():
        assert client.get(world.url("/new")).status_code == 403
        assert client.post(world.url("/new"), data=indicator_form()).status_code == 403
        assert client.post(world.url(f"/{indicator}/edit"), data=indicator_form()).status_code == 403
        assert client.post(world.url(f"/{indicator}/delete")).status_code == 403
        assert client.post(world.url(f"/{indicator}/targets"),
                           data={f"target-{world.periods['2025 Q2']}": "5"}).status_code == 403
    assert snapshots.changes(before, snapshots.take()) == {}


# --- adding, changing and removing -----------------------------------------------------------


def test_a_purchaser_adds_an_indicator_linked_to_a_steering_goal(world, factory):
    goal_id = factory.ownership_steering(world._tenant)["goal"]
    client = world.client("purchaser")
    page = main(client.get(world.url("/new")))
    assert_unique_ids(page)
    assert 'name="name-sv"' in page and 'name="name-fi"' in page
    assert "Money (EUR)" in page  # money is in the tenant's currency
    # Titles in the tenant's default language (there is no English one).
    assert f'<option value="{goal_id}">Enemmän työllistyneitä</option>' in page
    response = client.post(world.url("/new"), data=indicator_form(
        code="cost", unit="money", direction="lower", aggregation="sum",
        steering_goal_id=str(goal_id), **{"definition-sv": "Kostnad per studerandeår"}))
    assert response.status_code == 302
    rows = world.indicator_rows()
    assert rows["cost"] == ({"sv": "Nöjdhet", "fi": "Tyytyväisyys"}, "money", "lower", "sum",
                            goal_id, 3)
    page = main(client.get(world.url()))
    assert "The indicator cost is saved." in page
    row = page[page.index('<th scope="row">cost</th>'):]
    row = row[:row.index("</tr>")]
    assert "Money (EUR)" in row and "Lower is better" in row
    assert f'/ownership/goals/{goal_id}">Enemmän työllistyneitä</a>' in row


def test_invalid_indicators_show_errors_and_write_nothing(world, snapshots):
    client = world.client("admin")
    before = snapshots.take()
    response = client.post(world.url("/new"), data=indicator_form(
        code="", **{"name-sv": "", "name-fi": ""}, unit=""))
    assert response.status_code == 400
    page = main(response)
    assert "Please correct the following" in page
    assert "Enter the text in at least one language." in page
    assert page.count('aria-invalid="true"') >= 2
    duplicate = client.post(world.url("/new"), data=indicator_form(code="started"))
    assert duplicate.status_code == 400
    assert "Another indicator of the agreement has this code." in text(duplicate)
    bad_code = client.post(world.url("/new"), data=indicator_form(code="has spaces"))
    assert bad_code.status_code == 400 and "Enter a code of at most 50" in text(bad_code)
    bad_goal = client.post(world.url("/new"), data=indicator_form(steering_goal_id="987654"))
    assert bad_goal.status_code == 400 and "Choose a steering goal." in text(bad_goal)
    assert snapshots.changes(before, snapshots.take()) == {}


def test_an_admin_edits_an_indicator(world):
    indicator = world.indicators["employed"]
    client = world.client("admin")
    page = main(client.get(world.url(f"/{indicator}/edit")))
    assert 'value="employed"' in page and "Sysselsatta" in page
    response = client.post(world.url(f"/{indicator}/edit"), data=indicator_form(
        code="employed", unit="percent", **{"name-sv": "Sysselsatta efter sex månader"},
        position="1"))
    assert response.status_code == 302
    name, unit, _direction, aggregation, _goal, position = world.indicator_rows()["employed"]
    assert name["sv"] == "Sysselsatta efter sex månader" and unit == "percent"
    assert aggregation == "average" and position == 1


def test_a_signed_version_says_why_nothing_can_change(world, snapshots):
    world.sign()
    indicator = world.indicators["started"]
    client = world.client("purchaser")
    page = main(client.get(world.url()))
    assert "This version of the agreement is signed" in page and "Open an amendment" in page
    assert "/indicators/new" not in page and f"/{indicator}/edit" not in page
    form_page = main(client.get(world.url("/new")))
    assert "This version of the agreement is signed" in form_page and "<form method=\"post\"" \
        not in form_page
    before = snapshots.take()
    response = client.post(world.url("/new"), data=indicator_form())
    assert response.status_code == 409 and "Open an amendment" in text(response)
    assert client.post(world.url(f"/{indicator}/edit"),
                       data=indicator_form(code="started", unit="count")).status_code == 409
    assert client.post(world.url(f"/{indicator}/delete")).status_code == 409
    targets = client.post(world.url(f"/{indicator}/targets"),
                          data={f"target-{world.periods['2025 Q2']}": "50"})
    assert targets.status_code == 409 and "This version of the agreement is signed" in text(targets)
    assert snapshots.changes(before, snapshots.take()) == {}


def test_removing_an_indicator_asks_first(world):
    indicator = world.indicators["employed"]
    client = world.client("purchaser")
    confirm = main(client.get(world.url(f"/{indicator}/delete")))
    assert "Remove the indicator employed?" in confirm and 'type="submit"' in confirm
    assert "employed" in world.indicator_rows()
    assert client.post(world.url(f"/{indicator}/delete")).status_code == 302
    assert "employed" not in world.indicator_rows()
    assert client.get(world.url(f"/{indicator}/delete")).status_code == 404


def test_an_indicator_with_reported_values_cannot_be_removed(world, snapshots):
    indicator = world.indicators["started"]
    world.sign()
    with world.scope():
        agreement = db.session.get(Agreement, world.agreement_id)
        report = svc.open_report(world.tenant, world.p("p1"), agreement, world.periods["2025 Q1"])
        svc.save_draft(world.tenant, world.p("p1"), report, values={"started": "12"})
        svc.amend(world.tenant, world.p("admin"), agreement, "Nya indikatorer")
        db.session.commit()
    client = world.client("admin")
    before = snapshots.take()
    response = client.post(world.url(f"/{indicator}/delete"))
    assert response.status_code == 409
    assert "Values have been reported for this indicator" in text(response)
    assert snapshots.changes(before, snapshots.take()) == {}


# --- targets ---------------------------------------------------------------------------------


def test_targets_are_saved_together(world):
    indicator = world.indicators["employed"]
    client = world.client("purchaser")
    page = main(client.get(world.url(f"/{indicator}/targets")))
    assert_unique_ids(page)
    assert page.count('name="target-') == 4 and "From 0 to 100." in page
    for label in ("2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"):
        assert f'<label for="target-{world.periods[label]}">{label}</label>' in page
    data = {f"target-{world.periods['2025 Q1']}": "70", f"target-{world.periods['2025 Q2']}": "72,5",
            f"target-{world.periods['2025 Q3']}": "", f"target-{world.periods['2025 Q4']}": "75"}
    assert client.post(world.url(f"/{indicator}/targets"), data=data).status_code == 302
    assert world.targets("employed") == {"2025 Q1": Decimal(70), "2025 Q2": Decimal("72.5"),
                                         "2025 Q4": Decimal(75)}
    # An emptied field removes its target.
    data[f"target-{world.periods['2025 Q4']}"] = ""
    assert client.post(world.url(f"/{indicator}/targets"), data=data).status_code == 302
    assert set(world.targets("employed")) == {"2025 Q1", "2025 Q2"}
    grid = main(client.get(world.url()))
    assert "72.5" in grid


def test_one_wrong_target_saves_none(world, snapshots):
    indicator = world.indicators["employed"]
    client = world.client("admin")
    before = snapshots.take()
    response = client.post(world.url(f"/{indicator}/targets"), data={
        f"target-{world.periods['2025 Q1']}": "70", f"target-{world.periods['2025 Q2']}": "120",
        f"target-{world.periods['2025 Q3']}": "many", f"target-{world.periods['2025 Q4']}": "75"})
    assert response.status_code == 400
    page = main(response)
    assert "Nothing was saved." in page
    assert "2025 Q2: a percentage is from 0 to 100." in page
    assert "2025 Q3: enter a number." in page
    assert 'value="120"' in page and 'value="many"' in page  # what was typed is kept
    assert page.count('aria-invalid="true"') == 2
    assert snapshots.changes(before, snapshots.take()) == {}
    count = client.post(world.url(f"/{world.indicators['started']}/targets"), data={
        f"target-{world.periods['2025 Q1']}": "12.5"})
    assert count.status_code == 400
    assert "2025 Q1: a count is a whole number, zero or more." in text(count)
    assert world.targets("started") == {"2025 Q1": Decimal(40)}


def test_readers_see_the_targets_without_a_form(world):
    page = main(world.client("viewer").get(world.url(f"/{world.indicators['started']}/targets")))
    assert 'name="target-' not in page
    assert ">40<" in page and page.count("Missing") == 3


def test_targets_changed_meanwhile_are_not_overwritten(world, snapshots):
    indicator = world.indicators["started"]
    first, second = world.client("purchaser"), world.client("admin")
    page = text(first.get(world.url(f"/{indicator}/targets")))
    basis = re.search(r'name="basis" value="(\w+)"', page).group(1)
    q1 = f"target-{world.periods['2025 Q1']}"
    assert second.post(world.url(f"/{indicator}/targets"), data={q1: "45"}).status_code == 302
    before = snapshots.take()
    response = first.post(world.url(f"/{indicator}/targets"), data={q1: "50", "basis": basis})
    assert response.status_code == 409
    assert "Someone else changed these targets in the meantime" in text(response)
    assert 'value="50"' in text(response)  # the entry is kept
    assert snapshots.changes(before, snapshots.take()) == {}
    assert world.targets("started") == {"2025 Q1": Decimal(45)}


def test_an_indicator_changed_meanwhile_is_not_overwritten(world, snapshots):
    indicator = world.indicators["employed"]
    first, second = world.client("purchaser"), world.client("admin")
    page = text(first.get(world.url(f"/{indicator}/edit")))
    basis = re.search(r'name="basis" value="(\w+)"', page).group(1)
    form = indicator_form(code="employed", unit="percent")
    assert second.post(world.url(f"/{indicator}/edit"),
                       data={**form, "name-sv": "Av andra"}).status_code == 302
    before = snapshots.take()
    response = first.post(world.url(f"/{indicator}/edit"),
                          data={**form, "name-sv": "Mitt namn", "basis": basis})
    assert response.status_code == 409
    assert "Someone else changed this indicator in the meantime" in text(response)
    assert 'value="Mitt namn"' in text(response)
    assert snapshots.changes(before, snapshots.take()) == {}
    assert world.indicator_rows()["employed"][0]["sv"] == "Av andra"
