"""Invoice pages: the list (filters, sorting, pages, differences per invoice, empty states), the
form with its line rows and "add more lines" without JavaScript, errors on their fields, the
detail with the reconciliation (differences in words, a calculator error as a message), the
confirmed deletion, the review (approve with confirmed differences, dispute with a comment),
the import with its template, and refusals by role (403) and for another provider's or
another tenant's invoice (404)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from samverkan.partnership.purchasing_models import Invoice
from samverkan.platform.db import db
from tests.test_invoices import InvoiceWorld, differing_lines

LIST = "/t/falun/partnership/invoices"


class PageWorld(InvoiceWorld):
    def __init__(self, app, factory, sign_in, slug: str = "falun"):
        super().__init__(app, factory, slug)
        self.sign_in = sign_in
        self._clients = {}

    def client(self, key: str):
        if key not in self._clients:
            client = self.app.test_client()
            self.sign_in(client, self.emails[key])
            self._clients[key] = client
        return self._clients[key]

    def status(self, invoice_id: int) -> str | None:
        with self.scope():
            invoice = self.invoice(invoice_id)
            return invoice.status if invoice else None


@pytest.fixture
def world(app, factory, sign_in_as) -> PageWorld:
    return PageWorld(app, factory, sign_in_as)


def text(response) -> str:
    return response.get_data(as_text=True)


def form_data(number="F-1", org=None, lines=(), **extra) -> dict:
    data = {"number": number, "period_start": "2025-01-01", "period_end": "2025-01-31",
            "received_on": "2025-02-05", "action": "save", **extra}
    if org is not None:
        data["organisation_id"] = str(org)
    for n, (ref, course_type, part, amount, line_text) in enumerate(lines):
        data.update({f"lines-{n}-student_ref": ref, f"lines-{n}-course_type": course_type,
                     f"lines-{n}-part": part, f"lines-{n}-amount": amount,
                     f"lines-{n}-text": line_text})
    return data


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_what_each_principal_may_see_with_differences(world):
    exact = world.create(number="F-1")
    differing = world.create(number="F-2", lines=differing_lines())
    other = world.create(by="p2", org="p2", number="G-1",
                         lines=[("T-1", "vocational", "during_course", "100", "")])
    page = text(world.client("purchaser").get(LIST))
    assert "Invoices (3)" in page
    assert "No differences" in page and "4 differences" in page and "Not reconciled" in page
    assert "Lärande AB" in page and "Yrkesskolan" in page
    assert "New invoice" in page and "Import invoices" in page
    own = text(world.client("p1").get(LIST))
    assert "Invoices (2)" in own and "G-1" not in own and "Yrkesskolan" not in own
    viewer = text(world.client("viewer").get(LIST))
    assert "Invoices (3)" in viewer and "New invoice" not in viewer
    filtered = text(world.client("purchaser").get(f"{LIST}?provider={world.org['p2']}"))
    assert "Invoices (1)" in filtered and "G-1" in filtered
    combined = text(world.client("p1").get(
        f"{LIST}?from=2025-01-01&to=2025-01-31&status=received&provider={world.org['p2']}"))
    assert "Invoices (2)" in combined  # a provider filter of another provider is ignored
    by_total = text(world.client("purchaser").get(f"{LIST}?sort=-total"))
    assert by_total.index(">F-2<") < by_total.index(">F-1<") < by_total.index(">G-1<")
    by_total = text(world.client("purchaser").get(f"{LIST}?sort=total"))
    assert by_total.index(">G-1<") < by_total.index(">F-1<")
    empty = text(world.client("purchaser").get(f"{LIST}?status=approved"))
    assert "No invoices match the filter." in empty
    assert f'href="/t/falun/partnership/invoices/{differing}"' in page
    assert f"/invoices/{other}" not in own and f"/invoices/{exact}" in own


def test_the_list_filters_by_period_and_pages(world):
    for n in range(27):
        world.create(number=f"F-{n:02d}")
    world.create(number="M-1", period=(date(2025, 3, 1), date(2025, 3, 31)))
    client = world.client("viewer")
    first = text(client.get(LIST))
    assert "Invoices (28)" in first and "Page 1 of 2" in first
    assert "Page 2 of 2" in text(client.get(f"{LIST}?page=2"))
    march = text(client.get(f"{LIST}?from=2025-03-01"))
    assert "Invoices (1)" in march and "M-1" in march
    january = text(client.get(f"{LIST}?to=2025-01-31&sort=number"))
    assert "Invoices (27)" in january and "M-1" not in january


def test_empty_states(world):
    assert "There are no invoices yet" in text(world.client("p1").get(LIST))
    assert "There are no invoices you can see yet" in text(world.client("viewer").get(LIST))


# --- entering --------------------------------------------------------------------------------


def test_a_reporter_enters_an_invoice_with_more_lines_on_request(world):
    client = world.client("p1")
    page = text(client.get(f"{LIST}/new"))
    assert page.count('name="lines-') == 5 * 5 and "Lärande AB" in page
    assert "Yrkesskolan" not in page
    more = client.post(f"{LIST}/new", data=form_data(lines=[("S-1", "vocational",
                                                             "during_course", "1300", "")],
                                                     action="more"))
    assert more.status_code == 200
    assert text(more).count('id="lines-5-amount"') == 1 and 'value="S-1"' in text(more)
    with world.scope():
        assert db.session.scalar(select(Invoice.id)) is None
    lines = [("S-1", "vocational", "during_course", "1300", ""), ("", "", "", "", ""),
             ("S-2", "vocational", "during_course", "1950,00", "Jan")]
    response = client.post(f"{LIST}/new", data=form_data(lines=lines))
    assert response.status_code == 302
    with world.scope():
        invoice = db.session.scalars(select(Invoice)).one()
        assert invoice.organisation_id == world.org["p1"]
        assert [line.student_ref for line in invoice.lines] == ["S-1", "S-2"]
    detail = text(client.get(response.headers["Location"]))
    assert "Invoice F-1" in detail and "Not invoiced" in detail  # S-2's grades part


def test_errors_land_on_their_fields_and_lines(world):
    client = world.client("purchaser")
    response = client.post(f"{LIST}/new", data=form_data(
        org=world.org["p1"], period_end="2024-12-31",
        lines=[("S-1", "vocational", "during_course", "1300", ""),
               ("", "", "", "", ""), ("S-2", "", "during_course", "12.345", "")]))
    page = text(response)
    assert response.status_code == 400
    assert "The period cannot end before it starts." in page
    assert "Line 3, Course type: Enter the course type." in page
    assert "Line 3, Amount: Use at most two decimals" in page
    assert 'id="lines-2-amount"' in page and 'aria-invalid="true"' in page
    response = client.post(f"{LIST}/new", data=form_data(org=world.org["p1"]))
    assert response.status_code == 400 and "Enter at least one line." in text(response)
    response = client.post(f"{LIST}/new", data=form_data(lines=differing_lines()[:1]))
    assert response.status_code == 400 and "Choose a provider." in text(response)


def test_only_those_who_enter_see_the_forms(world):
    invoice_id = world.create()
    viewer = world.client("viewer")
    assert viewer.get(f"{LIST}/new").status_code == 403
    assert viewer.get(f"{LIST}/import").status_code == 403
    assert viewer.get(f"{LIST}/{invoice_id}/edit").status_code == 403
    assert viewer.post(f"{LIST}/{invoice_id}/delete").status_code == 403
    p2 = world.client("p2")
    for path in ("", "/edit", "/delete"):
        assert p2.get(f"{LIST}/{invoice_id}{path}").status_code == 404
    assert p2.post(f"{LIST}/{invoice_id}/review", data={"decision": "approve"}).status_code == 404
    assert world.client("p1").get(f"{LIST}/987654").status_code == 404
    assert world.status(invoice_id) == "received"


def test_another_tenants_invoice_is_not_found(world, app, factory, sign_in_as):
    other = InvoiceWorld(app, factory, slug="mora")
    invoice_id = other.create()
    client = world.client("purchaser")
    for path in ("", "/edit", "/delete"):
        assert client.get(f"{LIST}/{invoice_id}{path}").status_code == 404
    assert client.get(f"/t/mora/partnership/invoices/{invoice_id}").status_code in (403, 404)


def test_a_received_invoice_is_changed_then_deleted_after_confirmation(world):
    invoice_id = world.create()
    client = world.client("p1")
    edit = text(client.get(f"{LIST}/{invoice_id}/edit"))
    assert 'value="1300.00"' in edit and edit.count('name="lines-') == 6 * 5
    response = client.post(f"{LIST}/{invoice_id}/edit", data=form_data(
        number="F-1b", lines=[("S-1", "vocational", "during_course", "1300", "")]))
    assert response.status_code == 302
    with world.scope():
        assert (world.invoice(invoice_id).number, len(world.invoice(invoice_id).lines)) == (
            "F-1b", 1)
    confirm = client.get(f"{LIST}/{invoice_id}/delete")
    assert confirm.status_code == 200 and "Delete invoice F-1b?" in text(confirm)
    assert world.status(invoice_id) == "received"
    assert client.post(f"{LIST}/{invoice_id}/delete").status_code == 302
    assert world.status(invoice_id) is None


# --- the detail and the review ---------------------------------------------------------------


def test_the_detail_explains_each_difference_in_words(world):
    invoice_id = world.create(lines=differing_lines())
    page = text(world.client("p1").get(f"{LIST}/{invoice_id}"))
    for label in ("Matches", "Amount differs", "Not computed", "Duplicate", "Not invoiced"):
        assert label in page
    assert "4 lines differ" in page
    assert "but the computed payout is" in page and "a difference of" in page
    assert "Line 4 invoices the same student, course type and part as line 1" in page
    assert "Change invoice" in page and "Review" not in page.split("</h1>", 1)[1].split(
        "reconciliation-title")[0]
    assert 'id="review-title"' not in page  # the provider does not review


def test_a_calculator_error_is_a_message_not_a_server_error(world):
    invoice_id = world.create(by="p2", org="p2", lines=[("T-1", "vocational", "during_course",
                                                         "100", "")])
    response = world.client("purchaser").get(f"{LIST}/{invoice_id}")
    assert response.status_code == 200
    assert "cannot be computed" in text(response) and "No version of the compensation model" in \
        text(response)


def test_the_purchaser_approves_with_confirmed_differences_or_disputes(world):
    invoice_id = world.create(lines=differing_lines())
    url = f"{LIST}/{invoice_id}/review"
    assert world.client("p1").post(url, data={"decision": "approve"}).status_code == 403
    assert world.client("viewer").post(url, data={"decision": "approve"}).status_code == 403
    client = world.client("purchaser")
    assert 'id="review-title"' in text(client.get(f"{LIST}/{invoice_id}"))
    response = client.post(url, data={"decision": "approve"})
    assert response.status_code == 400 and "4 unexplained differences" in text(response)
    response = client.post(url, data={"decision": "dispute", "comment": ""})
    assert response.status_code == 400 and "Say what is disputed" in text(response)
    assert world.status(invoice_id) == "received"
    assert client.post(url, data={"decision": "dispute",
                                  "comment": "S-9 is not enrolled"}).status_code == 302
    assert world.status(invoice_id) == "disputed"
    assert "S-9 is not enrolled" in text(world.client("p1").get(f"{LIST}/{invoice_id}"))
    assert client.post(url, data={"decision": "approve",
                                  "confirm_differences": "y"}).status_code == 302
    assert world.status(invoice_id) == "approved"
    assert client.post(url, data={"decision": "dispute", "comment": "x"}).status_code == 409
    assert world.client("p1").get(f"{LIST}/{invoice_id}/edit").status_code == 409


# --- import ----------------------------------------------------------------------------------


def test_the_template_downloads_as_csv_and_xlsx(world):
    client = world.client("p1")
    csv_response = client.get(f"{LIST}/import/template?format=csv")
    assert csv_response.mimetype == "text/csv"
    assert csv_response.get_data().decode("utf-8-sig").startswith(
        "invoice_number;period_start;period_end;student_ref;course_type;part;amount;text")
    xlsx = client.get(f"{LIST}/import/template?format=xlsx")
    assert xlsx.mimetype.endswith("spreadsheetml.sheet") and xlsx.get_data()[:2] == b"PK"


def test_an_import_is_all_or_nothing_with_row_numbers(world):
    client = world.client("p1")
    page = text(client.get(f"{LIST}/import"))
    assert "invoice_number" in page and "Lärande AB" in page
    good = ("invoice_number;period_start;period_end;student_ref;course_type;part;amount;text\n"
            "F-50;2025-01-01;2025-01-31;S-1;vocational;during_course;1300;\n"
            "F-51;2025-01-01;2025-01-31;S-2;vocational;on_grades;1050;\n")
    bad = good + "F-52;2025-01-01;2025-01-31;S-2;vocational;later;1050;\n"
    response = client.post(f"{LIST}/import", data={
        "received_on": "2025-02-05", "file": (io.BytesIO(bad.encode()), "fakturor.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Nothing was imported" in text(response)
    assert "<th scope=\"row\">4</th>" in text(response) and "Choose the part" in text(response)
    with world.scope():
        assert db.session.scalar(select(Invoice.id)) is None
    response = client.post(f"{LIST}/import", data={
        "received_on": "2025-02-05", "file": (io.BytesIO(good.encode()), "fakturor.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with world.scope():
        assert sorted(db.session.scalars(select(Invoice.number))) == ["F-50", "F-51"]
    response = client.post(f"{LIST}/import", data={"received_on": "2025-02-05"},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a file to upload." in text(response)
    response = client.post(f"{LIST}/import", data={
        "received_on": "", "file": (io.BytesIO(good.encode()), "fakturor.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 400 and "Enter the day the invoices were received" in text(
        response)
    response = client.post(f"{LIST}/import", data={
        "received_on": "2025-02-05", "file": (io.BytesIO(b"%PDF"), "fakturor.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 400 and "Upload a CSV or XLSX file." in text(response)
    with world.scope():
        assert sorted(db.session.scalars(select(Invoice.number))) == ["F-50", "F-51"]
