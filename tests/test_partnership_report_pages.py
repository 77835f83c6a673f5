"""Outcome report pages: the list of what is due, filling and submitting, conflicts, the
purchaser's review, corrections as new revisions, and who may see and do what.

The world: the municipality ``vasa`` (purchaser) and two providers, Yrkesakademin (``p1``) and
Novia (``p2``), both parties to the agreement ``SP-1`` for 2025 (quarterly periods, deadlines
long passed), with the indicators ``started`` (count, target 40 in Q1) and ``employed``
(percent). Every person uses English.
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
from samverkan.partnership.models import Agreement, OutcomeReport
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user

BASE = "/t/vasa/partnership/reports"
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
            svc.add_party(self.tenant, admin, agreement, self.org["p2"], "provider")
            started = svc.add_indicator(self.tenant, admin, agreement, svc.IndicatorData(
                code="started", name={"sv": "Påbörjade", "fi": "Aloittaneet"}, unit="count"))
            svc.add_indicator(self.tenant, admin, agreement, svc.IndicatorData(
                code="employed", name={"sv": "Sysselsatta", "fi": "Työllistyneet"},
                unit="percent", aggregation="average"))
            svc.set_target(self.tenant, admin, started, self.periods["2025 Q1"], "40")
            svc.transition_agreement(self.tenant, admin, agreement, "negotiation")
            for key in ("purchaser", "p1", "p2"):
                svc.sign(self.tenant, self.p(key), agreement)
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

    def report(self, who: str = "p1", period: str = "2025 Q1", values=None, submit=False) -> int:
        """A report of a provider made through the services; returns its id."""
        with self.scope():
            agreement = db.session.get(Agreement, self.agreement_id)
            report = svc.open_report(self.tenant, self.p(who), agreement, self.periods[period])
            if values:
                svc.save_draft(self.tenant, self.p(who), report, values)
            if submit:
                svc.submit_report(self.tenant, self.p(who), report)
            db.session.commit()
            return report.id

    def state(self, report_id: int) -> tuple:
        with self.scope():
            report = db.session.get(OutcomeReport, report_id)
            return (report.status, report.lock_version,
                    {v.indicator.code: v.value for v in report.values})

    def form(self, report_id: int, action: str = "save", **values) -> dict:
        """The edit form as a person fills it: values by indicator code."""
        data = {"action": action, "lock_version": str(self.state(report_id)[1])}
        for code, indicator_id in self.indicators.items():
            data[f"value-{indicator_id}"] = values.get(code, "")
            data[f"comment-{indicator_id}-sv"] = ""
            data[f"comment-{indicator_id}-fi"] = ""
        return data


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


# --- the list ----------------------------------------------------------------------------------


def test_list_shows_what_is_due_by_provider_with_late_ones(world):
    world.report("p1", "2025 Q1", {"started": "12"})
    page = main(world.client("purchaser").get(BASE))
    assert "Yrkesakademin" in page and "Novia" in page
    assert "2025 Q4" in page
    assert "Late" in page  # deadlines of 2025 have passed without submissions
    assert_unique_ids(text(world.client("purchaser").get(BASE)))


def test_provider_reporter_sees_only_its_own_organisation(world):
    world.report("p2", "2025 Q1", {"started": "7"})
    page = main(world.client("p1").get(BASE))
    assert "Yrkesakademin" in page
    assert "Novia" not in page
    assert "Start report" in page


def test_list_filters_by_status_and_agreement_and_says_when_nothing_matches(world):
    report_id = world.report("p1", "2025 Q2", {"started": "1", "employed": "50"}, submit=True)
    client = world.client("purchaser")
    page = main(client.get(f"{BASE}?status=submitted&agreement={world.agreement_id}"))
    assert f"/reports/{report_id}" in page
    assert page.count("<tr>") == 2  # the header and the one submitted report
    page = main(client.get(f"{BASE}?status=accepted"))
    assert "No outcome reports match the filter." in page


def test_list_is_empty_without_agreements(app, factory, sign_in_as):
    tenant = factory.tenant("tyhja")
    factory.user("viewer.tyhja@example.org", tenant=tenant, roles=["viewer"], locale="en")
    client = app.test_client()
    sign_in_as(client, "viewer.tyhja@example.org")
    assert "Nothing is due yet." in main(client.get("/t/tyhja/partnership/reports"))


def table(response) -> str:
    page = text(response)
    return page[page.index("<table"):]


def test_list_sorts_by_period_both_ways(world):
    client = world.client("purchaser")
    ascending = table(client.get(f"{BASE}?sort=period"))
    descending = table(client.get(f"{BASE}?sort=-period"))
    assert ascending.index("2025 Q1") < ascending.index("2025 Q4")
    assert descending.index("2025 Q4") < descending.index("2025 Q1")


# --- starting a report --------------------------------------------------------------------------


def test_start_report_opens_a_draft_and_the_edit_page(world):
    client = world.client("p1")
    response = client.post(f"{BASE}/open", data={
        "agreement": world.agreement_id, "period": world.periods["2025 Q3"],
        "organisation": world.org["p1"]})
    assert response.status_code == 303
    report_id = int(re.search(r"/reports/(\d+)/edit", response.headers["Location"]).group(1))
    assert world.state(report_id)[0] == "draft"
    # Starting again opens the same report.
    again = client.post(f"{BASE}/open", data={
        "agreement": world.agreement_id, "period": world.periods["2025 Q3"]})
    assert again.headers["Location"].endswith(f"/reports/{report_id}/edit")


def test_start_report_for_another_provider_is_refused(world):
    response = world.client("p2").post(f"{BASE}/open", data={
        "agreement": world.agreement_id, "period": world.periods["2025 Q3"],
        "organisation": world.org["p1"]})
    assert response.status_code == 403
    with world.scope():
        assert db.session.scalars(select(OutcomeReport)).all() == []


def test_purchaser_cannot_start_a_report(world):
    response = world.client("purchaser").post(f"{BASE}/open", data={
        "agreement": world.agreement_id, "period": world.periods["2025 Q3"]})
    assert response.status_code == 403


# --- visibility --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "/edit", "/review"])
def test_another_providers_report_is_not_found(world, path):
    report_id = world.report("p1", values={"started": "3"})
    assert world.client("p2").get(f"{BASE}/{report_id}{path}").status_code == 404


def test_roles_on_the_pages_of_a_report(world):
    report_id = world.report("p1", values={"started": "3"})
    viewer = world.client("viewer")
    assert viewer.get(f"{BASE}/{report_id}").status_code == 200
    assert viewer.get(f"{BASE}/{report_id}/edit").status_code == 403
    assert viewer.get(f"{BASE}/{report_id}/review").status_code == 403
    assert world.client("purchaser").get(f"{BASE}/{report_id}/edit").status_code == 403
    assert world.client("p1").get(f"{BASE}/{report_id}/review").status_code == 403
    assert world.client("p1").get(f"{BASE}/{report_id}/edit").status_code == 200


def test_detail_shows_values_against_targets(world):
    report_id = world.report("p1", values={"started": "42", "employed": "61.5"}, submit=True)
    page = main(world.client("purchaser").get(f"{BASE}/{report_id}"))
    assert "42" in page and "40" in page and "Met" in page
    assert "Review the report" in page
    assert "Outcome report submitted" in page  # the history
    assert_unique_ids(text(world.client("purchaser").get(f"{BASE}/{report_id}")))


# --- filling and submitting -------------------------------------------------------------------


def test_edit_page_has_a_field_per_indicator_with_unit_hints(world):
    report_id = world.report("p1")
    response = world.client("p1").get(f"{BASE}/{report_id}/edit")
    page = main(response)
    for indicator_id in world.indicators.values():
        assert f'name="value-{indicator_id}"' in page
        assert f'name="comment-{indicator_id}-sv"' in page
    assert "A whole number, zero or more." in page and "From 0 to 100." in page
    assert 'name="lock_version"' in page
    assert page.count('name="action"') == 2  # the buttons: save a draft, or submit
    assert_unique_ids(text(response))


def test_save_draft_keeps_values_and_comments(world):
    report_id = world.report("p1")
    client = world.client("p1")
    form = world.form(report_id, started="12", employed="55,5")
    form[f"comment-{world.indicators['started']}-sv"] = "Bra start"
    response = client.post(f"{BASE}/{report_id}/edit", data=form)
    assert response.status_code == 302
    status, _version, values = world.state(report_id)
    assert status == "draft"
    assert values == {"started": Decimal("12"), "employed": Decimal("55.5")}
    assert "Bra start" in main(client.get(f"{BASE}/{report_id}/edit"))


def test_submit_validates_every_field_and_writes_nothing(world):
    report_id = world.report("p1", values={"started": "5"})
    before = world.state(report_id)
    response = world.client("p1").post(f"{BASE}/{report_id}/edit", data=world.form(
        report_id, "submit", started="2.5", employed="150"))
    assert response.status_code == 400
    page = main(response)
    assert "a count is a whole number, zero or more." in page
    assert "a percentage is from 0 to 100." in page
    assert 'value="150"' in page  # what was entered stays on the form
    assert world.state(report_id) == before


def test_submit_requires_every_value(world):
    report_id = world.report("p1")
    response = world.client("p1").post(f"{BASE}/{report_id}/edit",
                                       data=world.form(report_id, "submit", started="4"))
    assert response.status_code == 400
    assert "employed (Työllistyneet): enter a value." in main(response) or \
        "enter a value." in main(response)
    assert world.state(report_id)[0] == "draft"


def test_text_that_is_not_a_number_is_refused_on_save(world):
    report_id = world.report("p1")
    response = world.client("p1").post(f"{BASE}/{report_id}/edit",
                                       data=world.form(report_id, started="many", employed="x"))
    assert response.status_code == 400
    assert main(response).count("enter a number.") >= 2
    assert world.state(report_id)[2] == {}


def test_submit_locks_the_report(world):
    report_id = world.report("p1")
    client = world.client("p1")
    response = client.post(f"{BASE}/{report_id}/edit",
                           data=world.form(report_id, "submit", started="4", employed="20"))
    assert response.status_code == 302
    assert world.state(report_id)[0] == "submitted"
    assert client.get(f"{BASE}/{report_id}/edit").status_code == 302  # back to the report


def test_stale_save_is_a_conflict_that_keeps_the_entered_values(world):
    report_id = world.report("p1", values={"started": "1"})
    stale = world.form(report_id, started="777", employed="33")
    first = world.client("admin").post(  # someone else saves in the meantime
        f"{BASE}/{report_id}/edit", data=world.form(report_id, started="2", employed="10"))
    assert first.status_code == 302
    response = world.client("p1").post(f"{BASE}/{report_id}/edit", data=stale)
    assert response.status_code == 409
    page = main(response)
    assert "Someone else saved this report in the meantime" in page
    assert 'value="777"' in page and 'value="33"' in page
    assert world.state(report_id)[2] == {"started": Decimal("2"), "employed": Decimal("10")}
    # The form now carries the current version: saving again is a deliberate overwrite.
    current = world.state(report_id)[1]
    assert f'name="lock_version" type="hidden" value="{current}"' in page or \
        f'value="{current}"' in page


# --- review and corrections ---------------------------------------------------------------------


def test_return_needs_a_comment(world):
    report_id = world.report("p1", values={"started": "4", "employed": "20"}, submit=True)
    response = world.client("purchaser").post(f"{BASE}/{report_id}/review", data={
        "decision": "return", "note": "", "lock_version": world.state(report_id)[1]})
    assert response.status_code == 400
    assert "comment at least one value or the report" in main(response)
    assert world.state(report_id)[0] == "submitted"


def test_review_return_correct_resubmit_accept_and_correct_again(world):
    report_id = world.report("p1", values={"started": "4", "employed": "20"}, submit=True)
    purchaser, provider = world.client("purchaser"), world.client("p1")
    started = world.indicators["started"]
    response = purchaser.post(f"{BASE}/{report_id}/review", data={
        "decision": "return", "note": "", f"review-{started}": "Check the count",
        "lock_version": world.state(report_id)[1]})
    assert response.status_code == 302
    assert world.state(report_id)[0] == "returned"
    edit = main(provider.get(f"{BASE}/{report_id}/edit"))
    assert "Check the count" in edit
    response = provider.post(f"{BASE}/{report_id}/edit",
                             data=world.form(report_id, "submit", started="5", employed="20"))
    assert response.status_code == 302
    response = purchaser.post(f"{BASE}/{report_id}/review", data={
        "decision": "accept", "lock_version": world.state(report_id)[1]})
    assert response.status_code == 302
    assert world.state(report_id)[0] == "accepted"
    # A correction is a new revision; the accepted one stays in the history.
    response = provider.post(f"{BASE}/{report_id}/correct",
                             data={"lock_version": world.state(report_id)[1]})
    assert response.status_code == 303
    new_id = int(re.search(r"/reports/(\d+)/edit", response.headers["Location"]).group(1))
    assert new_id != report_id
    assert world.state(new_id) [0] == "draft"
    assert world.state(report_id)[0] == "accepted"
    page = main(provider.get(f"{BASE}/{new_id}"))
    assert "Revision 1" in page
    assert "Outcome report returned" in page and "Outcome report accepted" in page


def test_review_of_a_draft_is_refused(world):
    report_id = world.report("p1", values={"started": "4"})
    response = world.client("purchaser").post(f"{BASE}/{report_id}/review", data={
        "decision": "accept", "lock_version": world.state(report_id)[1]})
    assert response.status_code == 409
    assert world.state(report_id)[0] == "draft"


def test_only_the_provider_corrects(world):
    report_id = world.report("p1", values={"started": "4", "employed": "1"}, submit=True)
    with world.scope():
        svc.accept_report(world.tenant, world.p("purchaser"), db.session.get(OutcomeReport, report_id))
        db.session.commit()
    version = world.state(report_id)[1]
    assert world.client("purchaser").post(f"{BASE}/{report_id}/correct",
                                          data={"lock_version": version}).status_code == 403
    assert world.client("p2").post(f"{BASE}/{report_id}/correct",
                                   data={"lock_version": version}).status_code == 404
    assert world.state(report_id)[0] == "accepted"
