"""Owner steering overview by role, the owner representative's cross-consortium view, the
annual report and the exports of goals and progress (CSV and XLSX).

The consortium ``kust`` is owned by Vasa 45 %, Korsholm 30 % and Närpes 25 % (see the
``steering`` fixture). Its goals here run from a baseline of 60 % in 2022 to 80 % at the end
of 2028, so a report on 30 June 2025 is expected at 49.92 % of the way: 70 is on track
(50 %), 68 at risk (40 %) and 62 off track (10 %).
"""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from samverkan.ownership import services as svc
from samverkan.ownership.services import common
from samverkan.ownership.services.dashboard import reporting_duty
from samverkan.platform.db import db

OVERVIEW = "/t/kust/ownership/"
REPORT = "/t/kust/ownership/report"
EXPORTS = ["/t/kust/ownership/export/goals.csv", "/t/kust/ownership/export/goals.xlsx",
           "/t/kust/ownership/export/progress.csv", "/t/kust/ownership/export/progress.xlsx"]
PAGES = [OVERVIEW, REPORT, *EXPORTS]
ROLES = ["admin", "vasa", "korsholm", "malax", "reporter", "viewer"]
PERIOD = date(2025, 6, 30)


def goal(steering, status="adopted", **overrides) -> int:
    values = dict(baseline_year=2022, target_date=date(2028, 12, 31), milestones={})
    values.update(overrides)
    return steering.new_goal(status=status, **values)


def adopted_goals(steering, count: int, **overrides) -> list[int]:
    """``count`` goals adopted in one owners' meeting."""
    ids = [goal(steering, status="proposed", **overrides) for _ in range(count)]
    steering.adopt(*ids)
    return ids


def report(steering, goal_id: int, value: str, period: date = PERIOD, label: str | None = None,
           narrative: dict | None = None) -> None:
    with steering.scope():
        svc.submit_progress(steering.tenant, steering.p("reporter"), steering.goal(goal_id),
                            svc.ProgressData(period_label=label or str(period.year), period_date=period,
                                             value=value, narrative=narrative))
        db.session.commit()


def email(steering, key: str) -> str:
    return steering.emails[key]


def enter(client, sign_in_as, steering, key: str, lang: str = "en") -> None:
    """Sign in as a member and read in ``lang`` (content falls back to the tenant's default,
    Finnish, when the language is English)."""
    sign_in_as(client, email(steering, key))
    client.get(f"/?lang={lang}")


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return response.get_data(as_text=True)


@contextmanager
def count_queries(app):
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


@pytest.fixture
def world(steering):
    """Three adopted goals reported on track, at risk and off track, one adopted and not
    reported, and a proposed goal on the agenda of a planned meeting (Vasa has not voted)."""
    on_track, at_risk, off_track, silent = adopted_goals(steering, 4)
    for goal_id, title in ((on_track, "I fas"), (at_risk, "I riskzonen"), (off_track, "Efter"),
                           (silent, "Tyst")):
        with steering.scope():
            g = steering.goal(goal_id)
            g.title = {"sv": title, "fi": f"{title} (fi)"}
            db.session.commit()
    report(steering, on_track, "70", narrative={"sv": "Bra år", "fi": "Hyvä vuosi"})
    report(steering, at_risk, "68")
    report(steering, off_track, "62")
    proposed = goal(steering, status="proposed", title={"sv": "Nytt förslag", "fi": "Uusi ehdotus"})
    meeting_id = steering.meeting(date(2099, 3, 1))
    item_id = steering.agenda(meeting_id, proposed)
    steering.vote(item_id, "korsholm", "yes")
    return dict(steering=steering, on_track=on_track, at_risk=at_risk, off_track=off_track,
                silent=silent, proposed=proposed, meeting=meeting_id, item=item_id)


# --- who may read ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_member_reads_every_page(client, world, sign_in_as, role):
    enter(client, sign_in_as, world["steering"], role)
    for url in PAGES:
        assert client.get(url).status_code == 200, url


def test_strangers_and_anonymous_visitors_get_nothing(client, world, factory, sign_in_as):
    for url in [*PAGES, "/ownership"]:
        response = client.get(url)
        assert response.status_code == 302 and "/signin" in response.headers["Location"], url
    other = factory.tenant("annan", kind="consortium")
    factory.user("stranger@example.org", tenant=other, roles=["admin"])
    sign_in_as(client, "stranger@example.org")
    for url in PAGES:
        assert client.get(url).status_code == 404, url
    # Their own cross-consortium view exists, and shows nothing of kust.
    body = page(client, "/ownership")
    assert "kust" not in body and "Vasa" not in body


def test_pages_only_read(client, world, sign_in_as, snapshots):
    enter(client, sign_in_as, world["steering"], "vasa")
    before = snapshots.take()
    for url in [*PAGES, "/ownership", REPORT + "?year=abc&locale=xx", REPORT + "?year=1234"]:
        assert client.get(url).status_code == 200, url
    assert client.post(OVERVIEW).status_code == 405
    assert snapshots.take() == before


# --- the overview by role ---------------------------------------------------------------------


def test_owner_representative_sees_votes_goals_behind_and_progress(client, world, sign_in_as):
    enter(client, sign_in_as, world["steering"], "vasa")
    body = page(client, OVERVIEW)
    # What awaits Vasa's vote, linked to the item's page (Korsholm has voted already).
    assert "Awaiting your vote" in body and "Uusi ehdotus" in body
    assert f'/t/kust/ownership/meetings/{world["meeting"]}/items/{world["item"]}' in body
    # Goals behind: at risk and off track, not the one on track.
    behind = body.split('id="attention-heading"')[1].split("</section>")[0]
    assert "I riskzonen" in behind and "Efter" in behind and "I fas" not in behind
    assert "Off track" in behind and "At risk" in behind
    # Every adopted goal with its progress and a link to the goal.
    adopted = body.split('id="adopted-heading"')[1].split("</section>")[0]
    for title in ("I fas", "I riskzonen", "Efter", "Tyst"):
        assert title in adopted
    assert "50 %" in adopted and "40 %" in adopted and "10 %" in adopted
    assert f'/t/kust/ownership/goals/{world["on_track"]}"' in adopted
    assert 'href="/ownership"' in body  # the cross-consortium view


def test_an_owner_who_voted_has_nothing_awaiting(client, world, sign_in_as):
    enter(client, sign_in_as, world["steering"], "korsholm")
    body = page(client, OVERVIEW)
    assert "Nothing awaits your vote" in body


def test_provider_reporter_sees_what_to_report_and_by_when(client, world, sign_in_as, monkeypatch):
    steering = world["steering"]
    adopted_year = date.today().year
    monkeypatch.setattr(common, "today", lambda: date(adopted_year + 1, 3, 1))
    report(steering, world["at_risk"], "70", period=date(adopted_year, 6, 30), label=f"Y{adopted_year}")
    enter(client, sign_in_as, steering, "reporter")
    body = page(client, OVERVIEW)
    duties = body.split('id="duties-heading"')[1].split("</section>")[0]
    rows = {title: duties.split(title)[1].split("</tr>")[0]
            for title in ("I fas", "I riskzonen", "Efter", "Tyst")}
    # Not reported for the year of adoption, which has ended: overdue.
    assert str(adopted_year) in rows["Tyst"] and "Overdue" in rows["Tyst"]
    assert "Not reported yet" in rows["Tyst"]
    # Reported for that year: the next year is due, by its end, not overdue.
    assert f"Y{adopted_year}" in rows["I riskzonen"] and str(adopted_year + 1) in rows["I riskzonen"]
    assert "Overdue" not in rows["I riskzonen"]
    assert "Awaiting your vote" not in body  # not an owner representative
    assert "Uusi ehdotus" not in duties  # only adopted goals are reported


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_viewer_and_admin_see_counts_strategy_and_next_meeting(client, world, sign_in_as, role):
    enter(client, sign_in_as, world["steering"], role)
    body = page(client, OVERVIEW)
    summary = body.split('id="summary-heading"')[1].split("</section>")[0]
    assert "Ägarstrategi 2025-2028" in summary or "Omistajastrategia 2025-2028" in summary
    assert "2099" in summary  # the next meeting
    counts = summary.split("<caption>")[1].split("</table>")[0]
    assert "6 in all" not in counts and "5 in all" in counts
    adopted_row = counts.split("Adopted</th>")[1].split("</tr>")[0]
    proposed_row = counts.split("Proposed</th>")[1].split("</tr>")[0]
    assert ">4<" in adopted_row and ">1<" in proposed_row
    assert "Awaiting your vote" not in body and "What you report" not in body


def test_overview_without_goals_explains_what_to_do(app, client, steering, sign_in_as):
    enter(client, sign_in_as, steering, "vasa")
    body = page(client, OVERVIEW)
    assert "No goal has been adopted yet" in body
    assert "Nothing awaits your vote" in body
    reporter = app.test_client()
    enter(reporter, sign_in_as, steering, "reporter")
    assert "There is nothing to report" in page(reporter, OVERVIEW)


def test_conflicting_adopted_goals_are_flagged(client, steering, sign_in_as):
    up = goal(steering, status="proposed")
    down = goal(steering, status="proposed", direction="lower", baseline_value="80", target_value="60",
                title={"sv": "Nedåt", "fi": "Alas"})
    steering.adopt(up, down)
    enter(client, sign_in_as, steering, "vasa")
    assert page(client, OVERVIEW).count("Conflicts with another goal") == 2


@pytest.mark.parametrize("role", ["vasa", "reporter", "viewer"])
def test_overview_queries_do_not_grow_with_the_number_of_goals(app, client, steering, sign_in_as, role):
    def queries() -> int:
        with count_queries(app) as statements:
            assert client.get(OVERVIEW).status_code == 200
        return len(statements)

    enter(client, sign_in_as, steering, role)
    for goal_id in adopted_goals(steering, 5):
        report(steering, goal_id, "65")
    page(client, OVERVIEW)  # warm caches (templates, settings)
    few = queries()
    for goal_id in adopted_goals(steering, 45):
        report(steering, goal_id, "62")
    many = queries()
    assert few == many, (few, many)


# --- the reporting rule ---------------------------------------------------------------------------


def test_reporting_rule_is_one_report_per_calendar_year(steering):
    goal_id = goal(steering)
    with steering.scope():
        g = steering.goal(goal_id)
        adopted = g.adopted_decision.computed_at.year
        duty = reporting_duty(g, set(), None, date(adopted, 5, 1))
        assert (duty.next_year, duty.due, duty.overdue) == (adopted, date(adopted, 12, 31), False)
        duty = reporting_duty(g, {adopted}, None, date(adopted, 5, 1))
        assert (duty.next_year, duty.overdue) == (adopted + 1, False)
        duty = reporting_duty(g, set(), None, date(adopted + 1, 1, 2))
        assert (duty.next_year, duty.overdue, duty.missing_years) == (adopted, True, [adopted])
        # After the target year every period is in once each year is reported.
        years = set(range(adopted, 2029))
        duty = reporting_duty(g, years, None, date(2029, 2, 1))
        assert (duty.next_year, duty.due, duty.overdue) == (None, None, False)


# --- the cross-consortium view ------------------------------------------------------------------


def test_representative_sees_each_consortium_they_represent_an_owner_in(
        client, world, make_steering, factory, sign_in_as):
    from types import SimpleNamespace

    steering = world["steering"]
    norr = make_steering(slug="norr")
    norr_goal = goal(norr, status="proposed", title={"sv": "Norrmål", "fi": "Pohjoistavoite"})
    norr_meeting = norr.meeting(date(2099, 4, 1))
    norr.agenda(norr_meeting, norr_goal)
    third = make_steering(slug="syd")
    goal(third, status="proposed")
    # Vasa's representative in kust also represents Vasa in norr and is a viewer in syd.
    user = factory.user("multi@example.org", tenant=steering._tenant, roles=["owner_representative"],
                        organisation=SimpleNamespace(id=steering.org_ids["vasa"]))
    factory.membership(norr._tenant, user, ["owner_representative"],
                       organisation=SimpleNamespace(id=norr.org_ids["vasa"]))
    factory.membership(third._tenant, user, ["viewer"])
    sign_in_as(client, "multi@example.org")
    body = page(client, "/ownership")
    rows = body.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 2
    kust = next(row for row in rows if "/t/kust/ownership/" in row)
    norr_row = next(row for row in rows if "/t/norr/ownership/" in row)
    assert "Kunta kust" in kust or "Kommun kust" in kust
    assert "Vasa" in kust or "Vaasa" in kust
    # kust: 4 adopted, 1 proposed, one item awaiting Vasa, one goal off track, one at risk.
    cells = kust.split('class="num">')[1:]
    numbers = [cell.split("</td>")[0] for cell in cells]
    assert "4" in numbers[2] and "1" in numbers[1]  # adopted, proposed (draft first)
    assert ">1<" in numbers[6] and ">1<" in numbers[7] and ">1<" in numbers[8]
    norr_cells = [cell.split("</td>")[0] for cell in norr_row.split('class="num">')[1:]]
    assert "1" in norr_cells[1] and ">1<" in norr_cells[6]
    assert "/t/syd/" not in body and "syd" not in body


def test_cross_consortium_view_reads_each_tenant_in_its_own_scope(app, client, world, sign_in_as):
    """Every query of a tenant-owned table runs with that tenant as the current one."""
    from samverkan.platform.db import current_tenant_id

    steering = world["steering"]
    seen: list[int | None] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "steering_goals" in statement or "agenda_items" in statement:
            seen.append(current_tenant_id())

    enter(client, sign_in_as, steering, "vasa")
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        body = page(client, "/ownership")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen and set(seen) == {steering.id}
    assert "/t/kust/ownership/" in body


def test_cross_consortium_view_without_representation_says_so(client, world, sign_in_as):
    enter(client, sign_in_as, world["steering"], "viewer")
    assert "You do not represent an owner in any consortium" in page(client, "/ownership")
    # Neither the overview nor the user menu links a viewer to it.
    assert 'href="/ownership"' not in page(client, OVERVIEW)


# --- the annual report ---------------------------------------------------------------------------


def test_annual_report_in_swedish_and_finnish(client, world, sign_in_as):
    enter(client, sign_in_as, world["steering"], "viewer")
    sv = page(client, REPORT + "?year=2025&locale=sv")
    fi = page(client, REPORT + "?year=2025&locale=fi")
    assert '<html lang="sv">' in sv and '<html lang="fi">' in fi
    # Owners and shares on 31 December.
    assert "Vasa" in sv and "Korsholm" in sv and "Närpes" in sv
    assert "Vaasa" in fi and "Mustasaari" in fi and "Närpiö" in fi
    assert "45,00 %" in sv and "100,00 %" in sv
    # The strategy in force.
    assert "Ägarstrategi 2025-2028" in sv and "Omistajastrategia 2025-2028" in fi
    # Every adopted goal with status, progress, chart and the latest narrative.
    for title in ("I fas", "I riskzonen", "Efter", "Tyst"):
        assert title in sv and f"{title} (fi)" in fi
    assert "Bra år" in sv and "Hyvä vuosi" in fi and "Hyvä vuosi" not in sv
    assert sv.count("<svg") >= 4 and "<title id=\"chart-" in sv
    # The year's decisions: the meeting of 12 May 2025 adopted four goals.
    decisions = sv.split('id="decisions-heading"')[1].split("</section>")[0]
    assert decisions.count("<tr>") >= 5 and "100,00 %" in decisions
    # Links to the other language, and not to the one shown.
    assert "locale=fi" in sv and "locale=sv" in fi
    assert "Nytt förslag" not in sv  # not adopted


def test_annual_report_of_a_year_without_activity(client, world, sign_in_as):
    enter(client, sign_in_as, world["steering"], "viewer")
    body = page(client, REPORT + "?year=2019&locale=sv")
    assert '<option value="2019" selected>' in body
    assert "Ägarstrategi 2025" not in body and "Vasa" not in body and "I fas" not in body
    # An empty state in each of the four sections: owners, strategy, goals, decisions.
    assert body.count('class="empty-state"') == 4


def test_annual_report_is_printable(app, client, world, sign_in_as):
    enter(client, sign_in_as, world["steering"], "viewer")
    body = page(client, REPORT + "?year=2025")
    assert 'class="report-controls"' in body
    css = client.get("/static/style.css").get_data(as_text=True)
    assert "@page" in css and "A4" in css and ".report-controls" in css


# --- exports ----------------------------------------------------------------------------------


def _csv(client, url: str) -> tuple[list[list[str]], object]:
    response = client.get(url)
    assert response.status_code == 200
    data = response.get_data()
    assert data.startswith("\ufeff".encode())  # the BOM for Excel
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";")), response


def test_goals_csv(client, world, sign_in_as):
    enter(client, sign_in_as, world["steering"], "viewer")
    rows, response = _csv(client, EXPORTS[0] + "?locale=sv")
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert f'filename="kust-goals-{date.today().isoformat()}.csv"' in disposition
    assert len(rows[0]) == 18 and all(rows[0])
    by_title = {row[1]: row for row in rows[1:]}
    assert set(by_title) == {"I fas", "I riskzonen", "Efter", "Tyst", "Nytt förslag"}
    on_track = by_title["I fas"]
    assert on_track[0] == str(world["on_track"])
    assert on_track[8] == "60" and on_track[10] == "80" and on_track[11] == "2028-12-31"
    assert on_track[12] == "2025" and on_track[13] == "2025-06-30" and on_track[14] == "70"
    assert on_track[15] == "50" and on_track[16] == "49,92"
    assert by_title["Tyst"][14] == "" and by_title["Nytt förslag"][15] == ""


def test_progress_csv_in_english_uses_commas(client, world, sign_in_as):
    enter(client, sign_in_as, world["steering"], "viewer")
    response = client.get(EXPORTS[2])
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Goal ID", "Goal", "Period"]
    assert len(rows) == 4  # three reports
    row = next(r for r in rows[1:] if r[0] == str(world["on_track"]))
    assert row[2:5] == ["2025", "2025-06-30", "70"]
    assert row[6] == "50" and row[7] == "49.92" and row[9] == "On track"
    assert row[10] in ("Bra år", "Hyvä vuosi")


def test_csv_cells_cannot_become_formulas(client, world, sign_in_as):
    steering = world["steering"]
    with steering.scope():
        g = steering.goal(world["on_track"])
        g.title = {"sv": "=HYPERLINK(\"x\")", "fi": "=HYPERLINK(\"x\")"}
        db.session.commit()
    enter(client, sign_in_as, steering, "viewer")
    rows, _ = _csv(client, EXPORTS[0] + "?locale=sv")
    assert any(row[1] == "'=HYPERLINK(\"x\")" for row in rows)


def test_goals_and_progress_xlsx(client, world, sign_in_as):
    enter(client, sign_in_as, world["steering"], "viewer")
    response = client.get(EXPORTS[1] + "?locale=fi")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert f"kust-goals-{date.today().isoformat()}.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[0]) == 18 and all(rows[0])
    by_title = {row[1]: row for row in rows[1:]}
    assert set(by_title) == {"I fas (fi)", "I riskzonen (fi)", "Efter (fi)", "Tyst (fi)", "Uusi ehdotus"}
    off = by_title["Efter (fi)"]
    assert off[0] == world["off_track"] and off[14] == 62 and Decimal(str(off[15])) == 10
    assert off[11].date() == date(2028, 12, 31)

    response = client.get(EXPORTS[3])
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Goal ID" and len(rows) == 4
    values = sorted(row[4] for row in rows[1:])
    assert values == [62, 68, 70]
