"""Invoices, the services: entering by the provider's reporter for its own provider or by the
purchaser for any, numbers unique per provider, validation naming every field, changing and
deleting only while received, who sees which invoices, the reconciliation of each line against
the computed payout (matches, amount differs, not computed, duplicate, not invoiced) and a
calculator error as a message, approval refused with differences unless confirmed, disputes
with a comment, file import of several invoices all or none with row numbers, and the audit.

The world is Falun (tests.test_authorisation.World) with a compensation model version and
enrolments of provider p1 for January 2025: S-1's course pays 1300.00 during the course, S-2's
1950.00 during the course and 1050.00 on grades.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from samverkan.partnership.purchasing_models import CompensationVersion, Enrolment, Invoice
from samverkan.partnership.services import invoices as svc
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db
from tests.test_authorisation import World, refused

D = Decimal
JAN = (date(2025, 1, 1), date(2025, 1, 31))


class InvoiceWorld(World):
    """Falun with a model version and p1's enrolments (see the module docstring)."""

    def __init__(self, app, factory, slug: str = "falun"):
        super().__init__(app, factory, slug)
        with self.scope():
            tenant_id = self._tenant.id
            db.session.add(CompensationVersion(
                tenant_id=tenant_id, version=1, valid_from=date(2025, 1, 1), base_year=2025,
                during_course_share=D("0.65"), on_grades_share=D("0.35"),
                grade_deadline_days=30,
                components=[{"course_type": "vocational", "basis": "course_point",
                             "amount": "60"}]))
            db.session.add_all([
                Enrolment(tenant_id=tenant_id, organisation_id=self.org["p1"], student_ref="S-1",
                          course_type="vocational", course_code="A", starts_on=date(2025, 1, 13),
                          ends_on=date(2025, 3, 21), course_points=D(100)),
                Enrolment(tenant_id=tenant_id, organisation_id=self.org["p1"], student_ref="S-2",
                          course_type="vocational", course_code="B", starts_on=date(2025, 1, 1),
                          ends_on=date(2025, 1, 31), course_points=D(50), completed=True,
                          grades_reported_on=date(2025, 1, 31)),
                # p2's course started before any model version: its payout cannot be computed
                Enrolment(tenant_id=tenant_id, organisation_id=self.org["p2"], student_ref="T-1",
                          course_type="vocational", course_code="C", starts_on=date(2024, 6, 1),
                          ends_on=date(2025, 2, 28), course_points=D(10)),
            ])
            db.session.commit()

    def data(self, number: str = "F-1", org: str | None = "p1", lines=None, period=JAN,
             received_on=date(2025, 2, 5)) -> svc.InvoiceData:
        lines = lines if lines is not None else exact_lines()
        return svc.InvoiceData(organisation_id=self.org[org] if org else None, number=number,
                               period_start=period[0], period_end=period[1],
                               received_on=received_on,
                               lines=[svc.LineData(*line) for line in lines])

    def create(self, by: str = "p1", **kwargs) -> int:
        with self.scope():
            invoice = svc.create_invoice(self.tenant, self.p(by), self.data(**kwargs))
            db.session.commit()
            return invoice.id

    def invoice(self, invoice_id: int) -> Invoice:
        return db.session.get(Invoice, invoice_id)

    def invoice_actions(self) -> list[str]:
        with self.scope():
            return [e.action for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action.like("partnership.invoice%"))
                .order_by(AuditEntry.id))]


def exact_lines() -> list[tuple]:
    return [("S-1", "vocational", "during_course", "1300.00", "January"),
            ("S-2", "vocational", "during_course", "1950.00", ""),
            ("S-2", "vocational", "on_grades", "1050.00", "")]


def differing_lines() -> list[tuple]:
    """Line 1 matches, 2 asks 50.00 too much, 3 is not computed, 4 repeats line 1; S-2's
    grades part is not invoiced."""
    return [("S-1", "vocational", "during_course", "1300.00", ""),
            ("S-2", "vocational", "during_course", "2000,00", ""),
            ("S-9", "vocational", "during_course", "500", ""),
            ("S-1", "vocational", "during_course", "1300.00", "again")]


@pytest.fixture
def world(app, factory) -> InvoiceWorld:
    return InvoiceWorld(app, factory)


def english(message) -> str:
    with force_locale("en"):
        return str(message)


# --- entering --------------------------------------------------------------------------------


def test_a_reporter_enters_an_invoice_of_its_own_provider(world):
    invoice_id = world.create(org=None)  # the reporter's own provider by default
    with world.scope():
        invoice = world.invoice(invoice_id)
        assert invoice.organisation_id == world.org["p1"]
        assert (invoice.number, invoice.status) == ("F-1", "received")
        assert [(line.position, line.student_ref, line.part, line.amount, line.text)
                for line in invoice.lines] == [
            (1, "S-1", "during_course", D("1300.00"), "January"),
            (2, "S-2", "during_course", D("1950.00"), ""),
            (3, "S-2", "on_grades", D("1050.00"), "")]
        assert svc.total_of(invoice) == D("4300.00")
        assert invoice.created_by_label
    assert world.invoice_actions() == ["partnership.invoice_created"]


def test_who_may_enter_for_which_provider(world):
    world.create(by="purchaser", org="p2", number="P-1", period=(date(2025, 3, 1),
                                                                  date(2025, 3, 31)))
    world.create(by="admin", org="p1", number="A-1")
    with world.scope():
        with refused(PartnershipPermissionError):
            svc.create_invoice(world.tenant, world.p("p1"), world.data(org="p2"))
        with refused(PartnershipPermissionError):
            svc.create_invoice(world.tenant, world.p("viewer"), world.data(org="p1"))
        with refused(PartnershipError, "organisation_id", "invalid"):
            svc.create_invoice(world.tenant, world.p("purchaser"), world.data(org="employer"))
        with refused(PartnershipError, "organisation_id", "invalid"):
            svc.create_invoice(world.tenant, world.p("purchaser"), world.data(org=None))
        assert [o.id for o in svc.providers_for(world.tenant, world.p("p1"))] == [world.org["p1"]]
        assert svc.providers_for(world.tenant, world.p("viewer")) == []


def test_the_number_is_unique_per_provider(world):
    world.create(number="F-1")
    world.create(by="p2", org="p2", number="F-1")  # another provider may use the same number
    with world.scope():
        with refused(PartnershipError, "number") as held:
            svc.create_invoice(world.tenant, world.p("p1"), world.data(number=" F-1 "))
        assert "another invoice with this number" in english(held.error.message)


def test_validation_names_every_field(world):
    lines = [("", "vocational", "during_course", "10", ""),
             ("S-1", "", "sometimes", "10.005", ""),
             ("S-1", "vocational", "on_grades", "", "x" * 201)]
    with world.scope():
        with refused(PartnershipError) as held:
            svc.create_invoice(world.tenant, world.p("p1"), svc.InvoiceData(
                world.org["p1"], "", date(2025, 2, 1), date(2025, 1, 1), date(2999, 1, 1),
                [svc.LineData(*line) for line in lines]))
        errors = {key: english(value) for key, value in held.error.errors.items()}
        assert set(errors) == {"number", "period_end", "received_on", "lines.0.student_ref",
                               "lines.1.course_type", "lines.1.part", "lines.1.amount",
                               "lines.2.amount", "lines.2.text"}
        assert errors["period_end"] == "The period cannot end before it starts."
        assert errors["lines.1.amount"] == "Use at most two decimals (öre or cents)."
        assert errors["received_on"] == "The date cannot be in the future."
        with refused(PartnershipError, "lines"):
            svc.create_invoice(world.tenant, world.p("p1"), world.data(lines=[]))
        assert db.session.scalar(select(Invoice.id)) is None


def test_amounts_keep_their_cents_and_credits_are_negative(world):
    invoice_id = world.create(lines=[("S-1", "vocational", "during_course", "1 300,5", ""),
                                     ("S-1", "vocational", "on_grades", "-0.50", "credit")])
    with world.scope():
        assert [line.amount for line in world.invoice(invoice_id).lines] == [D("1300.50"),
                                                                          D("-0.50")]


# --- changing and deleting -------------------------------------------------------------------


def test_a_received_invoice_is_changed_and_deleted_by_those_who_enter(world):
    invoice_id = world.create()
    with world.scope():
        invoice = world.invoice(invoice_id)
        with refused(PartnershipPermissionError):
            svc.update_invoice(world.tenant, world.p("p2"), invoice, world.data(number="X"))
        with refused(PartnershipPermissionError):
            svc.delete_invoice(world.tenant, world.p("viewer"), invoice)
        svc.update_invoice(world.tenant, world.p("purchaser"), invoice, world.data(
            number="F-1b", org="p2", lines=exact_lines()[:1]))
        db.session.commit()
        invoice = world.invoice(invoice_id)
        assert (invoice.number, invoice.organisation_id, len(invoice.lines)) == (
            "F-1b", world.org["p1"], 1)
        svc.delete_invoice(world.tenant, world.p("p1"), invoice)
        db.session.commit()
        assert world.invoice(invoice_id) is None
    assert world.invoice_actions() == ["partnership.invoice_created",
                                       "partnership.invoice_updated",
                                       "partnership.invoice_deleted"]
    with world.scope():
        deleted = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "partnership.invoice_deleted")).one()
        assert deleted.before["number"] == "F-1b" and deleted.before["lines"][0]["amount"] == \
            "1300.00"


def test_a_reviewed_invoice_cannot_be_changed_or_deleted(world):
    invoice_id = world.create()
    with world.scope():
        svc.approve_invoice(world.tenant, world.p("purchaser"), world.invoice(invoice_id))
        db.session.commit()
        invoice = world.invoice(invoice_id)
        with refused(PartnershipError, "status", "not_received"):
            svc.update_invoice(world.tenant, world.p("purchaser"), invoice, world.data())
        with refused(PartnershipError, "status", "not_received"):
            svc.delete_invoice(world.tenant, world.p("p1"), invoice)
        with refused(PartnershipError, "status", "not_reviewable"):
            svc.dispute_invoice(world.tenant, world.p("purchaser"), invoice, "Fel")


# --- reading ---------------------------------------------------------------------------------


def test_a_provider_sees_only_its_own_invoices(world):
    own = world.create(number="F-1")
    other = world.create(by="p2", org="p2", number="G-1")
    with world.scope():
        def listed(key: str, **filters) -> list[int]:
            query = svc.invoices_query(world.tenant, world.p(key), **filters)
            return sorted(db.session.scalars(query.with_only_columns(Invoice.id)))

        assert listed("p1") == [own]
        assert listed("p2") == [other]
        assert listed("viewer") == listed("purchaser") == sorted([own, other])
        assert listed("p1", organisation_id=world.org["p2"]) == []
        assert listed("viewer", status="approved") == []
        assert listed("viewer", period_from=date(2025, 2, 1)) == []
        assert listed("viewer", period_to=date(2025, 1, 1)) == sorted([own, other])
        assert svc.get_visible_invoice(world.tenant, world.p("p1"), own).id == own
        with refused(PartnershipError, "invoice_id", "not_found"):
            svc.get_visible_invoice(world.tenant, world.p("p1"), other)
        with refused(PartnershipError, "invoice_id", "not_found"):
            svc.get_visible_invoice(world.tenant, world.p("p1"), 987654)


# --- reconciliation --------------------------------------------------------------------------


def test_an_exact_invoice_is_balanced(world):
    invoice_id = world.create()
    with world.scope():
        check = svc.reconcile_invoice(world.invoice(invoice_id))
    assert check.balanced and check.error is None
    assert [line.status for line in check.lines] == ["matches"] * 3
    assert (check.invoiced_total, check.computed_total, check.difference) == (
        D("4300.00"), D("4300.00"), D("0.00"))
    assert check.lines[0].text == "January"


def test_every_kind_of_difference_is_flagged_with_amounts_and_explanation(world):
    invoice_id = world.create(lines=differing_lines())
    with world.scope():
        check = svc.reconcile_invoice(world.invoice(invoice_id))
        with force_locale("en"):
            texts = [svc.explain(line, lambda amount: f"{amount} kr") for line in check.lines]
    assert [(line.number, line.status, line.student_ref, line.part, line.invoiced,
             line.computed, line.difference) for line in check.lines] == [
        (1, "matches", "S-1", "during_course", D("1300.00"), D("1300.00"), D("0.00")),
        (2, "amount_differs", "S-2", "during_course", D("2000.00"), D("1950.00"), D("50.00")),
        (3, "not_computed", "S-9", "during_course", D("500.00"), None, D("500.00")),
        (4, "duplicate", "S-1", "during_course", D("1300.00"), None, D("1300.00")),
        (None, "not_invoiced", "S-2", "on_grades", None, D("1050.00"), D("-1050.00")),
    ]
    assert check.difference_count == 4 and not check.balanced
    assert (check.invoiced_total, check.computed_total, check.difference) == (
        D("5100.00"), D("4300.00"), D("800.00"))
    assert texts[0] == ""
    assert texts[1] == ("Invoiced 2000.00 kr, but the computed payout is 1950.00 kr: a "
                        "difference of 50.00 kr.")
    assert texts[3] == ("Line 4 invoices the same student, course type and part as line 1: "
                        "1300.00 kr more.")
    with world.scope():
        assert svc.difference_counts([world.invoice(invoice_id)]) == {invoice_id: 4}


def test_a_payout_that_cannot_be_computed_is_a_message_not_an_error(world):
    invoice_id = world.create(by="p2", org="p2", lines=[("T-1", "vocational", "during_course",
                                                         "100", "")])
    with world.scope():
        check = svc.reconcile_invoice(world.invoice(invoice_id))
        assert svc.difference_counts([world.invoice(invoice_id)]) == {invoice_id: None}
    assert check.error is not None and "No version of the compensation model" in english(
        check.error)
    assert not check.balanced and check.computed_total is None
    assert [(line.number, line.status, line.invoiced) for line in check.lines] == [
        (1, "unknown", D("100.00"))]


# --- review ----------------------------------------------------------------------------------


def test_approval_with_differences_needs_an_explicit_confirmation(world):
    invoice_id = world.create(lines=differing_lines())
    with world.scope():
        invoice = world.invoice(invoice_id)
        for key in ("p1", "viewer"):
            with refused(PartnershipPermissionError):
                svc.approve_invoice(world.tenant, world.p(key), invoice)
        with refused(PartnershipError, "confirm_differences", "differences") as held:
            svc.approve_invoice(world.tenant, world.p("purchaser"), invoice)
        assert "4 unexplained differences" in english(held.error.message)
        assert world.invoice(invoice_id).status == "received"
        svc.approve_invoice(world.tenant, world.p("purchaser"), invoice, comment="Settled",
                            confirm_differences=True)
        db.session.commit()
        assert (world.invoice(invoice_id).status, world.invoice(invoice_id).comment) == (
            "approved", "Settled")
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "partnership.invoice_approved")).one()
        assert entry.after["differences"] == 4 and entry.after["confirmed_differences"] is True
        assert entry.before == {"status": "received", "comment": ""}


def test_an_invoice_that_cannot_be_reconciled_also_needs_the_confirmation(world):
    invoice_id = world.create(by="p2", org="p2", lines=[("T-1", "vocational", "during_course",
                                                         "100", "")])
    with world.scope():
        with refused(PartnershipError, "confirm_differences") as held:
            svc.approve_invoice(world.tenant, world.p("purchaser"), world.invoice(invoice_id))
        assert "cannot be reconciled" in english(held.error.message)


def test_a_dispute_needs_a_comment_and_a_disputed_invoice_may_be_approved_later(world):
    invoice_id = world.create()
    with world.scope():
        invoice = world.invoice(invoice_id)
        with refused(PartnershipPermissionError):
            svc.dispute_invoice(world.tenant, world.p("p1"), invoice, "Nej")
        with refused(PartnershipError, "comment", "required"):
            svc.dispute_invoice(world.tenant, world.p("purchaser"), invoice, "  ")
        svc.dispute_invoice(world.tenant, world.p("admin"), invoice, "S-2 slutade i januari")
        db.session.commit()
        invoice = world.invoice(invoice_id)
        assert (invoice.status, invoice.comment) == ("disputed", "S-2 slutade i januari")
        with refused(PartnershipError, "status", "not_received"):
            svc.update_invoice(world.tenant, world.p("p1"), invoice, world.data())
        svc.approve_invoice(world.tenant, world.p("purchaser"), invoice)  # balanced: no confirm
        db.session.commit()
        assert world.invoice(invoice_id).status == "approved"
    assert world.invoice_actions() == ["partnership.invoice_created",
                                       "partnership.invoice_disputed",
                                       "partnership.invoice_approved"]


# --- file import -----------------------------------------------------------------------------

HEADER = "invoice_number;period_start;period_end;student_ref;course_type;part;amount;text"


def csv_rows(*lines: str) -> list[list[str]]:
    return svc.read_file("\n".join([HEADER, *lines]).encode("utf-8-sig"), "fakturor.csv")


def test_a_file_of_several_invoices_is_imported(world):
    rows = csv_rows("F-10;2025-01-01;2025-01-31;S-1;vocational;during_course;1300,00;Jan",
                    "F-10;2025-01-01;2025-01-31;S-2;vocational;during_course;1950.00;",
                    "",
                    "F-11;2025-02-01;2025-02-28;S-1;vocational;During_Course;1300;Feb")
    with world.scope():
        imported = svc.import_invoices(world.tenant, world.p("p1"), "", date(2025, 3, 1), rows)
        db.session.commit()
        assert [(i.number, i.organisation_id, i.received_on, len(i.lines), svc.total_of(i))
                for i in imported] == [
            ("F-10", world.org["p1"], date(2025, 3, 1), 2, D("3250.00")),
            ("F-11", world.org["p1"], date(2025, 3, 1), 1, D("1300.00"))]
    assert world.invoice_actions() == ["partnership.invoice_imported"] * 2


def test_an_import_with_problems_writes_nothing_and_names_every_row(world):
    world.create(number="F-1")
    rows = csv_rows("F-20;2025-01-01;2025-01-31;S-1;vocational;during_course;1300;",
                    "F-20;2025-02-01;2025-02-28;S-2;vocational;during_course;1950;",
                    "F-21;2025-01-01;2025-01-31;S-1;vocational;halfway;12,345;",
                    ";2025-01-01;2025-01-31;S-1;vocational;during_course;1;",
                    "F-1;2025-01-01;2025-01-31;S-1;vocational;during_course;1;")
    with world.scope():
        with pytest.raises(svc.InvoiceImportError) as raised:
            svc.import_invoices(world.tenant, world.p("p1"), "", date(2025, 3, 1), rows)
        problems = [(row, english(message)) for row, message in raised.value.rows]
        db.session.rollback()
        assert db.session.scalar(select(Invoice.id).where(Invoice.number == "F-20")) is None
    assert [row for row, _message in problems] == [3, 4, 4, 5, 6]
    assert "every row of an invoice has the same period" in problems[0][1]
    assert problems[1][1].startswith("part: Choose the part")
    assert problems[2][1] == "amount: Use at most two decimals (öre or cents)."
    assert problems[3][1] == "Enter the invoice number."
    assert problems[4][1] == "invoice_number: The provider has another invoice with this number."


def test_an_import_is_refused_for_another_provider_and_for_a_bad_file(world):
    rows = csv_rows("F-30;2025-01-01;2025-01-31;S-1;vocational;during_course;1300;")
    with world.scope(), refused(PartnershipPermissionError):
        svc.import_invoices(world.tenant, world.p("p1"), world.org["p2"], date(2025, 3, 1),
                            rows)
    for data, name, expected in (
            (b"", "a.csv", "The file is empty."),
            (b"x;y\n1;2", "a.csv", "Missing: invoice_number"),
            (HEADER.encode(), "a.csv", "The file has no invoice lines."),
            (b"not a workbook", "a.xlsx", "not a readable XLSX"),
            (b"a", "a.pdf", "Upload a CSV or XLSX file.")):
        with world.scope(), pytest.raises(svc.InvoiceImportError) as raised:
            svc.import_invoices(world.tenant, world.p("p1"), "", date(2025, 3, 1),
                                svc.read_file(data, name))
        assert expected in english(raised.value.rows[0][1]), name


def test_an_xlsx_file_with_dates_and_numbers_is_imported(world):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(svc.IMPORT_COLUMNS))
    sheet.append(["F-40", date(2025, 1, 1), date(2025, 1, 31), "S-1", "vocational",
                  "during_course", 1300.5, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with world.scope():
        rows = svc.read_file(buffer.getvalue(), "F.XLSX")
        [invoice] = svc.import_invoices(world.tenant, world.p("purchaser"), world.org["p1"],
                                        date(2025, 3, 1), rows)
        assert (invoice.period_start, invoice.lines[0].amount) == (date(2025, 1, 1), D("1300.50"))


def test_the_template_is_a_valid_import(world):
    rows = svc.template_rows()
    with world.scope():
        [invoice] = svc.import_invoices(world.tenant, world.p("p1"), "", date(2025, 3, 1), rows)
        assert invoice.number == "F-2025-001" and len(invoice.lines) == 2
