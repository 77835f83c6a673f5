"""A project's results: the coordinator's dashboard, benchmarks and exports (CSV, XLSX), and a
participant's own view of the benchmarks. Only what consent in force allows appears, a
withdrawal takes effect at once, anonymised participants are never named, no aggregate is shown
below the project's minimum group size, and each page is for the roles and tenants it is for.

The world (see tests/test_projects_services.py): the association ``forbundet`` with a library
of ``started``, ``completed`` and ``employed``; ``vasa`` shares ``started`` and ``completed`` by
name with its goal statuses, ``malax`` shares ``started`` anonymised, ``korsholm`` shares only
``completed`` by name; ``kust`` does not take part. Each reports accepted values; the pages are
read in English.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from samverkan.partnership.models import (
    Indicator,
    IndicatorTarget,
    IndicatorTemplate,
    ReportingPeriod,
)
from samverkan.platform.db import db
from samverkan.tenants.services import sharing
from tests.test_projects_services import World as ServicesWorld

BASE = "/t/forbundet/projects"
LIBRARY = {"started": ("Students started", "higher"), "completed": ("Students completed", "higher"),
           "employed": ("Employed after a year", "higher")}
# Values nobody may see: Korsholm's started (not in its consent) and Kust's (not taking part).
SECRET_VALUES = ("8881", "7771")


class World(ServicesWorld):
    def __init__(self, app, factory, sign_in_as):
        super().__init__(app, factory)
        self.sign_in_as = sign_in_as
        factory.user("en.coordinator@example.org", tenant=self.tenants["forbundet"],
                     roles=["coordinator"], locale="en")
        for role in ("viewer", "admin"):
            factory.user(f"en.{role}@example.org", tenant=self.tenants["forbundet"],
                         roles=[role], locale="en")
        for slug in ("vasa", "malax", "korsholm", "kust"):
            for role in ("admin", "viewer"):
                factory.user(f"en.{role}.{slug}@example.org", tenant=self.tenants[slug],
                             roles=[role], locale="en")
        provider = factory.organisation(self.tenants["vasa"], kind="provider")
        factory.user("en.reporter.vasa@example.org", tenant=self.tenants["vasa"],
                     roles=["provider_reporter"], organisation=provider)
        with self.scope("forbundet"):
            for code, (name, direction) in LIBRARY.items():
                db.session.add(IndicatorTemplate(
                    tenant_id=self.id("forbundet"), code=code, version=1, unit="count",
                    name={"en": name, "sv": name, "fi": name}, direction=direction))
            db.session.commit()
        self.ids = {
            "vasa": self.join("vasa", codes=("started", "completed"), goals=True),
            "malax": self.join("malax", anonymised=True),
            "korsholm": self.join("korsholm", codes=("completed", "started")),
        }
        self.report("vasa", {"started": {"2025 Q1": "40", "2025 Q2": "44"},
                             "completed": {"2025 Q1": "30", "2025 Q2": "33"}})
        self.report("malax", {"started": {"2025 Q1": "25", "2025 Q2": "26"}})
        self.report("korsholm", {"started": {"2025 Q1": "60"}, "completed": {"2025 Q1": "12"}})
        self.report("kust", {"started": {"2025 Q1": SECRET_VALUES[1]}})

    def client(self, email: str):
        client = self.app.test_client()
        self.sign_in_as(client, email)
        return client

    def url(self, tail: str = "") -> str:
        return f"{BASE}/{self.project_id}{tail}"

    def target(self, slug: str, code: str, label: str, value: str) -> None:
        """The participant's own target of its indicator ``code`` for a period."""
        with self.scope(slug):
            indicator = db.session.scalar(select(Indicator).where(Indicator.template_code == code))
            period = db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.label == label))
            db.session.add(IndicatorTarget(tenant_id=self.id(slug), indicator_id=indicator.id,
                                           period_id=period.id, value=Decimal(value)))
            db.session.commit()

    def min_group_size(self, size: int) -> None:
        """The coordinator changes the project's minimum group size through its form."""
        client = self.client("en.coordinator@example.org")
        page = text(client.get(self.url("/edit")))
        assert 'name="min_group_size"' in page
        response = client.post(self.url("/edit"), data={
            "code": "SP-2024", "name-sv": "Strategiskt partnerskap", "name-fi": "Strateginen",
            "starts_on": "2024-01-01", "ends_on": "2026-12-31", "status": "running",
            "min_group_size": str(size)})
        assert response.status_code == 302, text(response)[:2000]

    def tokens(self) -> set[str]:
        with self.scope("forbundet"):
            return {s.token for s in sharing.data_currency(self.project_id)}


@pytest.fixture
def world(app, factory, sign_in_as) -> World:
    return World(app, factory, sign_in_as)


def text(response) -> str:
    return response.get_data(as_text=True)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def flat(rows: list[list]) -> str:
    return "\n".join(";".join("" if v is None else str(v) for v in row) for row in rows).lower()


def section(page: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}".*?</section>', page, re.S)
    assert match, section_id
    return match.group(0)


def benchmark_url(world, code="started", period="2025 Q1") -> str:
    return world.url(f"/benchmarks?code={code}&period={period.replace(' ', '+')}")


def names_of(slug: str) -> tuple[str, str]:
    return (f"Namn {slug}", f"Nimi {slug}")


def assert_not_named(content: str, slug: str) -> None:
    lowered = content.lower()
    assert slug not in lowered
    for name in names_of(slug):
        assert name.lower() not in lowered


# --- the coordinator's pages -----------------------------------------------------------------


def test_the_benchmark_shows_the_distribution_chart_and_table(world):
    page = text(world.client("en.coordinator@example.org").get(benchmark_url(world)))
    # Vasa 40, Malax 25 (anonymised) and Korsholm 60 share started in 2025 Q1.
    stats = re.search(r"<tbody><tr>(.*?)</tr></tbody>", page, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', stats)
    assert cells == ["3", "25", "32.5", "40", "50", "60"]
    assert 'role="img"' in page and "<title id=\"benchmark-title\">" in page
    assert "<desc id=\"benchmark-desc\">3 participants. Minimum 25" in page
    assert page.count('class="chart-point"') == 3
    table = re.search(r'<table class="chart-data">.*?</table>', page, re.S).group(0)
    rows = re.findall(r'<th scope="row">([^<]*)', table)
    assert [r.strip() for r in rows] == ["Anonymised participant", "Nimi vasa", "Nimi korsholm"]
    # Named points are labelled in the chart; the anonymised one is not.
    labels = re.findall(r'<text class="chart-label" [^>]*text-anchor="end"[^>]*>([^<]*)</text>',
                        page)
    assert labels == ["Nimi vasa", "Nimi korsholm"]
    assert "Students started" in page and "Higher is better" in page
    assert "Minimum group size" in page


def test_the_default_is_the_latest_period_with_enough_participants(world):
    coordinator = world.client("en.coordinator@example.org")
    page = text(coordinator.get(world.url("/benchmarks?code=started")))
    # 2025 Q2 has values of two participants only: the default is 2025 Q1.
    assert '<option value="2025 Q1" selected>' in page
    assert '<option value="year:2025">' in page
    year = text(world.client("en.coordinator@example.org").get(
        world.url("/benchmarks?code=started&period=year:2025")))
    # A year adds up the quarters: Malax 51, Vasa 84, Korsholm 60.
    cells = re.findall(r'<td class="num">([^<]*)</td>',
                       re.search(r"<tbody><tr>(.*?)</tr></tbody>", year, re.S).group(1))
    assert cells == ["3", "51", "55.5", "60", "72", "84"]
    # Without a choice: the first indicator by name; no period of it has three values, so the
    # latest period is shown (without an aggregate).
    page = text(coordinator.get(world.url("/benchmarks")))
    assert '<option value="completed" selected>' in page
    assert '<option value="2025 Q2" selected>' in page and "Fewer than 3" in page


def test_below_the_minimum_group_size_there_is_no_aggregate(world):
    coordinator = world.client("en.coordinator@example.org")
    below = text(coordinator.get(benchmark_url(world, period="2025 Q2")))
    assert "Fewer than 3 participants share a value for this period" in below
    results = below.split("benchmark-heading")[1]
    assert "chart-point" not in results and "Median" not in results
    assert "Nimi vasa" not in results and ">44<" not in results
    # Raising the setting hides the 2025 Q1 benchmark of three; lowering it shows it again.
    assert text(coordinator.get(benchmark_url(world))).count('class="chart-point"') == 3
    world.min_group_size(4)
    page = text(coordinator.get(benchmark_url(world)))
    assert "Fewer than 4 participants share a value" in page
    results = page.split("benchmark-heading")[1]
    assert "chart-point" not in results and "Nimi korsholm" not in results
    assert "<dt>Minimum group size</dt><dd>4</dd>" in page
    world.min_group_size(3)
    page = text(coordinator.get(benchmark_url(world)))
    assert page.count('class="chart-point"') == 3 and "Fewer than" not in page


def test_the_dashboard_shows_consent_currency_and_statuses(world, factory):
    factory.ownership_steering(world.tenants["vasa"])
    world.target("vasa", "started", "2025 Q2", "50")
    page = text(world.client("en.coordinator@example.org").get(world.url("/dashboard")))
    participants = section(page, "participants")
    assert "Nimi vasa" in participants and "completed, started" in participants
    assert "Anonymised" in participants and "By name" in participants
    currency = section(page, "currency")
    assert "Students started" in currency and "Students completed" in currency
    assert "2025 Q2" in currency and "Newest" in currency and "Behind" in currency
    assert "Anonymised participant" in currency
    assert "code=started" in currency  # links to the benchmarks
    statuses = section(page, "statuses")
    # Vasa: 44 against its own target 50 is missed (more than 10 % short); one adopted goal.
    assert "2025 Q2: 44 / target 50" in statuses and "Missed" in statuses
    assert "Adopted: 1" in statuses
    assert "Not shared" in statuses  # Malax and Korsholm share no goal statuses


def test_the_exports_hold_what_consent_allows(world, factory):
    factory.ownership_steering(world.tenants["vasa"])
    coordinator = world.client("en.coordinator@example.org")
    rows = csv_rows(coordinator.get(world.url("/export.csv")))
    assert rows[0] == ["Participant", "Indicator code", "Indicator", "Period", "Value",
                       "Goal status", "Goals"]
    values = {(r[0], r[1], r[3]): r[4] for r in rows[1:] if r[1]}
    assert values == {
        ("Nimi vasa", "started", "2025 Q1"): "40", ("Nimi vasa", "started", "2025 Q2"): "44",
        ("Nimi vasa", "completed", "2025 Q1"): "30", ("Nimi vasa", "completed", "2025 Q2"): "33",
        ("Anonymised participant", "started", "2025 Q1"): "25",
        ("Nimi korsholm", "started", "2025 Q1"): "60",
        ("Nimi korsholm", "completed", "2025 Q1"): "12"}
    # Only two participants share started in 2025 Q2: the anonymised one's value (26) is left
    # out, as the one unnamed value beside a named one would single it out.
    assert "26" not in flat(rows)
    assert ["Nimi vasa", "", "", "", "", "Adopted", "1"] in rows
    sheet = xlsx_rows(coordinator.get(world.url("/export.xlsx")))
    assert sheet[0] == rows[0]
    assert ["Anonymised participant", "started", "Students started", "2025 Q1", 25, None,
            None] in sheet
    assert len(sheet) == len(rows)


# --- consent decides ---------------------------------------------------------------------------


def test_without_consent_nothing_of_a_tenant_appears(world):
    """Kust does not take part; Korsholm's started is not in its first consent."""
    world.consent("korsholm", world.ids["korsholm"], codes=("completed",))
    coordinator = world.client("en.coordinator@example.org")
    # (The project page may offer Kust as an organisation to invite: that is no data of it.)
    pages = [text(coordinator.get(url)) for url in (
        world.url("/dashboard"), world.url("/benchmarks"), benchmark_url(world),
        benchmark_url(world, period="year:2025"), benchmark_url(world, "completed"))]
    exports = [flat(csv_rows(coordinator.get(world.url("/export.csv")))),
               flat(xlsx_rows(coordinator.get(world.url("/export.xlsx"))))]
    for content in pages + exports:
        assert_not_named(content, "kust")
        for secret in ("7771", "60"):
            assert f">{secret}<" not in content and f";{secret}" not in content
    # Two participants left for started in 2025 Q1: no aggregate at all.
    assert "Fewer than 3 participants" in pages[2]
    # Korsholm's completed is still there.
    assert "nimi korsholm;completed;students completed;2025 q1;12" in exports[0]


def test_after_a_withdrawal_the_data_disappears_at_once(world):
    coordinator = world.client("en.coordinator@example.org")
    before = text(coordinator.get(benchmark_url(world)))
    assert "Nimi vasa" in before
    world.withdraw("vasa", world.ids["vasa"])
    page = text(coordinator.get(benchmark_url(world)))
    assert "Nimi vasa" not in page.split("benchmark-heading")[1]
    assert "Fewer than 3 participants" in page
    dashboard = text(coordinator.get(world.url("/dashboard")))
    assert "Consent withdrawn" in section(dashboard, "participants")
    for part in ("currency", "statuses"):
        assert "Nimi vasa" not in section(dashboard, part)
    for content in (flat(csv_rows(coordinator.get(world.url("/export.csv")))),
                    flat(xlsx_rows(coordinator.get(world.url("/export.xlsx"))))):
        assert "nimi vasa" not in content and "namn vasa" not in content
        assert "nimi korsholm" in content


def test_anonymised_participants_are_never_named(world):
    coordinator = world.client("en.coordinator@example.org")
    tokens = world.tokens()
    assert len(tokens) == 3
    for url in (benchmark_url(world), benchmark_url(world, period="2025 Q2"),
                benchmark_url(world, period="year:2025")):
        page = text(coordinator.get(url))
        assert_not_named(page, "malax")
        assert not any(token in page for token in tokens)
    dashboard = text(coordinator.get(world.url("/dashboard")))
    for part in ("currency", "statuses"):
        assert_not_named(section(dashboard, part), "malax")
        assert "Anonymised participant" in section(dashboard, part)
    assert not any(token in dashboard for token in tokens)
    for content in (flat(csv_rows(coordinator.get(world.url("/export.csv")))),
                    flat(xlsx_rows(coordinator.get(world.url("/export.xlsx"))))):
        assert_not_named(content, "malax")
        assert "anonymised participant" in content
        assert not any(token in content for token in tokens)
    # Malax's own view: itself as "Your organisation", still not by name.
    own = text(world.client("en.admin.malax@example.org").get(
        f"/t/malax/participation/{world.ids['malax']}/benchmarks?code=started&period=2025+Q1"))
    assert "Your organisation" in own and "Nimi vasa" in own
    assert not any(token in own for token in tokens)


# --- the participant's view ------------------------------------------------------------------


def test_a_participant_sees_its_own_position(world):
    vasa = world.client("en.viewer.vasa@example.org")
    url = f"/t/vasa/participation/{world.ids['vasa']}/benchmarks"
    page = text(vasa.get(f"{url}?code=started"))
    assert "value 40 ranks 2 of 3 (1 is the best): upper middle quarter." in page
    assert page.count('class="chart-own"') == 1 and page.count('class="chart-point"') == 2
    assert 'class="own-row"' in page
    assert_not_named(page, "malax")
    # The benchmark link is on the participation page.
    assert url in text(vasa.get(f"/t/vasa/participation/{world.ids['vasa']}"))


def test_a_participant_sees_only_the_codes_its_consent_shares(world):
    world.consent("korsholm", world.ids["korsholm"], codes=("completed",))
    korsholm = world.client("en.admin.korsholm@example.org")
    url = f"/t/korsholm/participation/{world.ids['korsholm']}/benchmarks"
    page = text(korsholm.get(f"{url}?code=started&period=2025+Q1"))
    assert '<option value="completed"' in page and '<option value="started"' not in page
    assert "Nimi vasa" not in page and ">40<" not in page
    world.withdraw("korsholm", world.ids["korsholm"])
    page = text(korsholm.get(url))
    assert "Your organisation shares no indicator values with this project" in page
    assert "Nimi vasa" not in page and "chart-point" not in page


def test_participant_benchmarks_are_for_the_tenants_own_active_participation(world):
    malax = world.client("en.admin.malax@example.org")
    assert malax.get(f"/t/malax/participation/{world.ids['vasa']}/benchmarks").status_code == 404
    assert malax.get(f"/t/vasa/participation/{world.ids['vasa']}/benchmarks").status_code in (
        403, 404)
    invited = world.invite("kust")
    kust = world.client("en.admin.kust@example.org")
    assert kust.get(f"/t/kust/participation/{invited}/benchmarks").status_code == 404
    reporter = world.client("en.reporter.vasa@example.org")
    assert reporter.get(
        f"/t/vasa/participation/{world.ids['vasa']}/benchmarks").status_code == 403


# --- who may see -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["en.viewer@example.org", "en.admin@example.org"])
def test_only_coordinators_see_the_results(world, who):
    client = world.client(who)
    for tail in ("/dashboard", "/benchmarks", "/export.csv", "/export.xlsx"):
        assert client.get(world.url(tail)).status_code == 403
    detail = text(client.get(world.url()))
    assert "/dashboard" not in detail and "/benchmarks" not in detail


def test_another_associations_project_is_not_found(world, factory):
    factory.user("en.coordinator.other@example.org", tenant=world.tenants["other"],
                 roles=["coordinator"], locale="en")
    other = world.client("en.coordinator.other@example.org")
    for tail in ("/dashboard", "/benchmarks", "/export.csv", "/export.xlsx"):
        assert other.get(f"/t/other/projects/{world.project_id}{tail}").status_code == 404
        assert other.get(world.url(tail)).status_code in (403, 404)


def test_the_coordinator_has_no_access_to_the_participants_pages(world):
    coordinator = world.client("en.coordinator@example.org")
    for url in ("/t/vasa/partnership", "/t/vasa/partnership/agreements", "/t/vasa/ownership",
                "/t/vasa/participation", f"/t/vasa/participation/{world.ids['vasa']}",
                f"/t/vasa/participation/{world.ids['vasa']}/benchmarks"):
        assert coordinator.get(url, follow_redirects=True).status_code == 404, url
    # And the association's own participation pages are not for an association.
    assert coordinator.get(
        f"/t/forbundet/participation/{world.ids['vasa']}/benchmarks").status_code == 403


def test_the_project_page_links_to_the_results_for_coordinators(world):
    page = text(world.client("en.coordinator@example.org").get(world.url()))
    assert world.url("/dashboard") in page and world.url("/benchmarks") in page
    assert "Minimum group size" in page


def test_target_statuses_use_the_participants_own_settings(world):
    """Vasa's 44 against its target 48: near with the default 10 % band, missed once Vasa
    narrows its own band to 5 %; the association's settings play no part."""
    world.target("vasa", "started", "2025 Q2", "48")

    def vasa_started():
        with world.scope("forbundet"):
            shared = sharing.target_statuses(world.project_id)
        [found] = [s for s in shared if s.label and s.label["sv"] == "Namn vasa"
                   and s.code == "started"]
        return found.period_label, found.value, found.target, found.status

    assert vasa_started() == ("2025 Q2", Decimal("44"), Decimal("48"), "near")
    with world.scope("vasa"):
        tenant = world.tenant("vasa")
        tenant.settings = {**(tenant.settings or {}), "partnership": {"near_percent": "5"}}
        db.session.commit()
    assert vasa_started()[3] == "missed"
    # An anonymised participant's status carries no name.
    with world.scope("forbundet"):
        anonymous = [s for s in sharing.target_statuses(world.project_id) if s.label is None]
    assert [(s.code, s.value, s.status) for s in anonymous] == [("started", Decimal("26"), None)]
