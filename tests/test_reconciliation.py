"""Invoice reconciliation: among many correct lines exactly the planted discrepancies are flagged,
each with its kind, amounts and reason; the tolerance; computed components added up; totals and
their differences; empty inputs; refused input; and properties over random invoices."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace

import pytest

from samverkan.partnership.services.common import PartnershipError
from samverkan.partnership.services.reconciliation import (
    EXPLANATIONS,
    ComputedLine,
    Discrepancy,
    DiscrepancyKind,
    InvoiceLine,
    Match,
    reconcile,
)

D = Decimal
COURSE_TYPES = ("gy_course", "sfi", "vocational")
PARTS = ("during_course", "on_grades")


def payout(students: int = 100) -> list[ComputedLine]:
    """A computed payout of ``students`` students with both parts of a split payment: 200 lines
    for 100 students, amounts in öre."""
    lines = []
    for n in range(students):
        course_type = COURSE_TYPES[n % len(COURSE_TYPES)]
        whole = D(1000 + 37 * n) + D(n % 100) / 100
        during = (whole * D("0.65")).quantize(D("0.01"))
        lines.append(ComputedLine(f"s{n:03d}", course_type, "during_course", during))
        lines.append(ComputedLine(f"s{n:03d}", course_type, "on_grades", whole - during))
    return lines


def invoice_of(lines: list[ComputedLine]) -> list[InvoiceLine]:
    """A correct invoice of the payout, one line per computed line, refs 1, 2, 3, ..."""
    return [InvoiceLine(str(n), line.student_ref, line.course_type, line.part, line.amount)
            for n, line in enumerate(lines, start=1)]


def flagged(result) -> list[tuple]:
    return [(d.kind, d.invoice_ref, d.student_ref, d.part, d.invoiced, d.computed, d.difference)
            for d in result.discrepancies]


def test_a_correct_invoice_is_balanced():
    computed = payout()
    result = reconcile(invoice_of(computed), computed)

    assert result.balanced
    assert result.discrepancies == ()
    assert len(result.matched) == 200
    assert [m.invoice_ref for m in result.matched] == [str(n) for n in range(1, 201)]
    assert all(m.difference == 0 for m in result.matched)
    assert result.invoiced_total == result.computed_total == sum(line.amount for line in computed)
    assert result.difference == D("0.00")


def test_exactly_the_planted_discrepancies_are_flagged():
    computed = payout()
    invoice = invoice_of(computed)
    # 1. line 18 asks 150.00 too much
    invoice[17] = replace(invoice[17], amount=invoice[17].amount + D("150.00"))
    # 2. line 191 asks one öre too little
    invoice[190] = replace(invoice[190], amount=invoice[190].amount - D("0.01"))
    # 3. line 121 is left out: its payout is not invoiced
    missing = invoice.pop(120)
    # 4. a student who is not enrolled, after line 50
    invoice.insert(50, InvoiceLine("X1", "s999", "sfi", "during_course", D("4200.00")))
    # 5. line 81 invoiced a second time, after line 150
    invoice.insert(150, replace(invoice[81], ref="X2"))
    first_of_duplicate = invoice[81]
    assert first_of_duplicate.ref == "81"

    result = reconcile(invoice, computed)

    assert flagged(result) == [
        (DiscrepancyKind.AMOUNT_DIFFERS, "18", computed[17].student_ref, computed[17].part,
         computed[17].amount + D("150.00"), computed[17].amount, D("150.00")),
        (DiscrepancyKind.NOT_COMPUTED, "X1", "s999", "during_course", D("4200.00"), None,
         D("4200.00")),
        (DiscrepancyKind.DUPLICATE, "X2", first_of_duplicate.student_ref, first_of_duplicate.part,
         first_of_duplicate.amount, None, first_of_duplicate.amount),
        (DiscrepancyKind.AMOUNT_DIFFERS, "191", computed[190].student_ref, computed[190].part,
         computed[190].amount - D("0.01"), computed[190].amount, D("-0.01")),
        (DiscrepancyKind.NOT_INVOICED, None, missing.student_ref, missing.part, None,
         missing.amount, -missing.amount),
    ]
    assert len(result.matched) == 200 - 3  # the two differing lines and the missing one
    assert result.invoiced_total == sum(line.amount for line in invoice)
    assert result.computed_total == sum(line.amount for line in computed)
    assert result.difference == (D("150.00") - D("0.01") - missing.amount + D("4200.00")
                                 + first_of_duplicate.amount)
    assert not result.balanced


def test_the_order_is_the_invoice_order_then_the_missing_payouts():
    computed = [ComputedLine("a", "sfi", "during_course", D(10)),
                ComputedLine("b", "sfi", "during_course", D(20)),
                ComputedLine("c", "sfi", "during_course", D(30)),
                ComputedLine("d", "sfi", "during_course", D(40))]
    invoice = [InvoiceLine("3", "c", "sfi", "during_course", D(31)),
               InvoiceLine("1", "z", "sfi", "during_course", D(5)),
               InvoiceLine("2", "c", "sfi", "during_course", D(30))]

    result = reconcile(invoice, computed)

    assert [(d.kind, d.invoice_ref, d.student_ref) for d in result.discrepancies] == [
        (DiscrepancyKind.AMOUNT_DIFFERS, "3", "c"),
        (DiscrepancyKind.NOT_COMPUTED, "1", "z"),
        (DiscrepancyKind.DUPLICATE, "2", "c"),  # an exact amount does not make it the match
        (DiscrepancyKind.NOT_INVOICED, None, "a"),
        (DiscrepancyKind.NOT_INVOICED, None, "b"),
        (DiscrepancyKind.NOT_INVOICED, None, "d"),
    ]
    assert reconcile(invoice, computed) == result


def test_a_repeated_line_of_a_student_who_is_not_enrolled_is_not_computed_then_duplicate():
    invoice = [InvoiceLine("1", "z", "sfi", "on_grades", D(5)),
               InvoiceLine("2", "z", "sfi", "on_grades", D(5))]

    result = reconcile(invoice, [])

    assert [(d.kind, d.invoice_ref) for d in result.discrepancies] == [
        (DiscrepancyKind.NOT_COMPUTED, "1"), (DiscrepancyKind.DUPLICATE, "2")]


def test_the_key_is_student_course_type_and_part():
    computed = [ComputedLine("a", "sfi", "during_course", D(10))]

    for other in (InvoiceLine("1", "b", "sfi", "during_course", D(10)),
                  InvoiceLine("1", "a", "vocational", "during_course", D(10)),
                  InvoiceLine("1", "a", "sfi", "on_grades", D(10)),
                  InvoiceLine("1", "A", "sfi", "during_course", D(10))):
        kinds = [d.kind for d in reconcile([other], computed).discrepancies]
        assert kinds == [DiscrepancyKind.NOT_COMPUTED, DiscrepancyKind.NOT_INVOICED]


def test_computed_lines_of_one_key_are_added_up():
    # e.g. a price per course point and a demand weight as two lines of one payout
    computed = [ComputedLine("a", "vocational", "during_course", D("1300.00")),
                ComputedLine("b", "vocational", "during_course", D("50.00")),
                ComputedLine("a", "vocational", "during_course", D("195.50"))]
    invoice = [InvoiceLine("1", "a", "vocational", "during_course", D("1495.50")),
               InvoiceLine("2", "b", "vocational", "during_course", D("50.00"))]

    result = reconcile(invoice, computed)

    assert result.balanced
    assert result.matched[0] == Match("1", "a", "vocational", "during_course", D("1495.50"),
                                      D("1495.50"), D("0.00"))


def test_any_payout_line_with_the_four_attributes_can_be_reconciled():
    computed = [SimpleNamespace(student_ref="a", course_type="sfi", part="on_grades",
                                amount=D("12.00"), explanation="from the calculator")]

    assert reconcile([InvoiceLine("1", "a", "sfi", "on_grades", D(12))], computed).balanced


# --- tolerance ------------------------------------------------------------------------------

@pytest.mark.parametrize(("invoiced", "tolerance", "kind"), [
    ("100.00", "0.00", None),
    ("100.01", "0.00", DiscrepancyKind.AMOUNT_DIFFERS),
    ("99.99", "0.00", DiscrepancyKind.AMOUNT_DIFFERS),
    ("100.50", "0.50", None),  # on the tolerance: a match
    ("99.50", "0.50", None),
    ("100.51", "0.50", DiscrepancyKind.AMOUNT_DIFFERS),
    ("99.49", "0.50", DiscrepancyKind.AMOUNT_DIFFERS),
    ("101.00", 1, None),
])
def test_tolerance(invoiced, tolerance, kind):
    computed = [ComputedLine("a", "sfi", "during_course", D("100.00"))]
    invoice = [InvoiceLine("1", "a", "sfi", "during_course", D(invoiced))]

    result = reconcile(invoice, computed, tolerance=D(tolerance) if isinstance(tolerance, str)
                       else tolerance)

    assert [d.kind for d in result.discrepancies] == ([kind] if kind else [])
    if kind is None:
        assert result.matched[0].difference == D(invoiced) - D("100.00")  # recorded all the same
    assert result.difference == D(invoiced) - D("100.00")


def test_the_tolerance_does_not_excuse_missing_or_duplicate_lines():
    computed = [ComputedLine("a", "sfi", "during_course", D("0.10"))]
    invoice = [InvoiceLine("1", "b", "sfi", "during_course", D("0.10")),
               InvoiceLine("2", "b", "sfi", "during_course", D("0.10"))]

    kinds = [d.kind for d in reconcile(invoice, computed, tolerance=D(5)).discrepancies]

    assert kinds == [DiscrepancyKind.NOT_COMPUTED, DiscrepancyKind.DUPLICATE,
                     DiscrepancyKind.NOT_INVOICED]


@pytest.mark.parametrize(("tolerance", "error"), [(D("-0.01"), ValueError), (0.5, TypeError),
                                                  (D("0.001"), PartnershipError)])
def test_invalid_tolerances_are_refused(tolerance, error):
    with pytest.raises(error):
        reconcile([], [], tolerance=tolerance)


# --- zero amounts and empty inputs -----------------------------------------------------------

def test_a_payout_of_zero_that_is_not_invoiced_is_not_flagged():
    computed = [ComputedLine("a", "sfi", "on_grades", D("0.00")),  # grades reported late
                ComputedLine("b", "sfi", "on_grades", D("100.00")),
                ComputedLine("b", "sfi", "on_grades", D("-100.00"))]

    result = reconcile([], computed)

    assert result.balanced
    assert result.computed_total == D("0.00")


def test_a_share_forfeited_for_late_grades_that_is_invoiced_all_the_same_is_not_computed():
    computed = [ComputedLine("a", "gy_course", "during_course", D("650.00")),
                ComputedLine("a", "gy_course", "forfeited", D("0.00"))]
    invoice = [InvoiceLine("1", "a", "gy_course", "during_course", D("650.00")),
               InvoiceLine("2", "a", "gy_course", "on_grades", D("350.00"))]

    result = reconcile(invoice, computed)

    assert flagged(result) == [(DiscrepancyKind.NOT_COMPUTED, "2", "a", "on_grades",
                                D("350.00"), None, D("350.00"))]


def test_an_invoice_line_of_zero_without_a_payout_is_flagged():
    result = reconcile([InvoiceLine("1", "a", "sfi", "on_grades", D(0))], [])

    assert flagged(result) == [(DiscrepancyKind.NOT_COMPUTED, "1", "a", "on_grades", D("0.00"),
                                None, D("0.00"))]


def test_empty_inputs():
    nothing = reconcile([], [])
    assert (nothing.matched, nothing.discrepancies) == ((), ())
    assert (nothing.invoiced_total, nothing.computed_total, nothing.difference) == (0, 0, 0)
    assert str(nothing.difference) == "0.00"
    assert nothing.balanced

    computed = payout(5)
    not_invoiced = reconcile([], computed)
    assert [d.kind for d in not_invoiced.discrepancies] == [DiscrepancyKind.NOT_INVOICED] * 10
    assert not_invoiced.difference == -sum(line.amount for line in computed)

    not_computed = reconcile(invoice_of(computed), [])
    assert [d.kind for d in not_computed.discrepancies] == [DiscrepancyKind.NOT_COMPUTED] * 10
    assert not_computed.difference == sum(line.amount for line in computed)


def test_amounts_come_back_with_two_decimals():
    result = reconcile([InvoiceLine("1", "a", "sfi", "on_grades", 100)],
                       [ComputedLine("a", "sfi", "on_grades", D("100.0"))])

    assert str(result.matched[0].invoiced) == str(result.matched[0].computed) == "100.00"
    assert str(result.invoiced_total) == "100.00"


def test_credit_lines_are_negative_amounts():
    computed = [ComputedLine("a", "sfi", "during_course", D("-250.00"))]
    result = reconcile([InvoiceLine("1", "a", "sfi", "during_course", D("-250.00"))], computed)

    assert result.balanced
    assert result.invoiced_total == D("-250.00")


# --- explanations ---------------------------------------------------------------------------

def test_explanations_are_msgids_with_their_parameters():
    computed = [ComputedLine("a", "sfi", "during_course", D("100.00")),
                ComputedLine("b", "sfi", "during_course", D("80.00"))]
    invoice = [InvoiceLine("7", "a", "sfi", "during_course", D("120.00")),
               InvoiceLine("8", "z", "sfi", "during_course", D("30.00")),
               InvoiceLine("9", "a", "sfi", "during_course", D("120.00"))]

    result = reconcile(invoice, computed)

    texts = [d.explanation % d.params for d in result.discrepancies]
    assert texts == [
        "Invoiced 120.00, but the computed payout is 100.00: a difference of 20.00.",
        "Invoiced 30.00, but no payout is computed for this student, course type and part.",
        "Line 9 invoices the same student, course type and part as line 7: 120.00 more.",
        "A payout of 80.00 is computed for this student, course type and part, but it is not "
        "invoiced.",
    ]
    assert result.discrepancies[0].params == {"invoiced": D("120.00"), "computed": D("100.00"),
                                              "difference": D("20.00")}


@pytest.mark.parametrize("kind", list(DiscrepancyKind))
def test_every_kind_has_a_lazy_msgid_whose_placeholders_are_named(kind):
    msgid = EXPLANATIONS[kind]._args[0]  # the untranslated msgid of the lazy string

    assert "%s" not in msgid
    assert re.findall(r"%\((\w+)\)s", msgid)


def test_discrepancies_compare_by_value():
    line = [InvoiceLine("1", "z", "sfi", "during_course", D(1))]

    assert reconcile(line, []).discrepancies == reconcile(line, []).discrepancies
    assert isinstance(reconcile(line, []).discrepancies[0], Discrepancy)


# --- refused input --------------------------------------------------------------------------

def test_invoice_line_refs_are_unique_and_present():
    with pytest.raises(PartnershipError) as error:
        reconcile([InvoiceLine("1", "a", "sfi", "on_grades", D(1)),
                   InvoiceLine("1", "b", "sfi", "on_grades", D(1))], [])
    assert (error.value.field, error.value.code) == ("ref", "duplicate")

    with pytest.raises(PartnershipError) as error:
        reconcile([InvoiceLine("", "a", "sfi", "on_grades", D(1))], [])
    assert (error.value.field, error.value.code) == ("ref", "required")


@pytest.mark.parametrize("amount", [D("10.005"), D("0.001"), D("1E-3")])
def test_amounts_below_ore_are_refused_not_rounded(amount):
    with pytest.raises(PartnershipError) as error:
        reconcile([InvoiceLine("1", "a", "sfi", "on_grades", amount)], [])
    assert (error.value.field, error.value.code) == ("amount", "precision")

    with pytest.raises(PartnershipError):
        reconcile([], [ComputedLine("a", "sfi", "on_grades", amount)])


@pytest.mark.parametrize("amount", [10.5, "10.50", None, True])
def test_floats_and_other_amounts_are_refused(amount):
    with pytest.raises(TypeError):
        reconcile([InvoiceLine("1", "a", "sfi", "on_grades", amount)], [])
    with pytest.raises(TypeError):
        reconcile([], [ComputedLine("a", "sfi", "on_grades", amount)])


@pytest.mark.parametrize("amount", [D("NaN"), D("Infinity")])
def test_amounts_must_be_finite(amount):
    with pytest.raises(ValueError):
        reconcile([InvoiceLine("1", "a", "sfi", "on_grades", amount)], [])


def test_keys_are_strings():
    with pytest.raises(TypeError):
        reconcile([InvoiceLine("1", 17, "sfi", "on_grades", D(1))], [])
    with pytest.raises(TypeError):
        reconcile([InvoiceLine(1, "a", "sfi", "on_grades", D(1))], [])


# --- properties over random invoices --------------------------------------------------------

@pytest.mark.parametrize("seed", range(25))
def test_random_invoices_account_for_every_line_and_every_krona(seed):
    rng = random.Random(seed)
    computed = payout(rng.randint(0, 40))
    invoice = []
    for n, line in enumerate(computed):
        roll = rng.random()
        if roll < 0.1:
            continue  # not invoiced
        amount = line.amount + (D(rng.randint(-500, 500)) / 100 if roll < 0.25 else 0)
        invoice.append(InvoiceLine(f"L{n}", line.student_ref, line.course_type, line.part, amount))
        if roll > 0.95:
            invoice.append(InvoiceLine(f"D{n}", line.student_ref, line.course_type, line.part,
                                       line.amount))
    for n in range(rng.randint(0, 3)):
        invoice.append(InvoiceLine(f"U{n}", f"u{n}", "sfi", "on_grades", D(rng.randint(1, 9999))))
    rng.shuffle(invoice)
    tolerance = D(rng.choice([0, 1, 250])) / 100

    result = reconcile(invoice, computed, tolerance=tolerance)

    # every invoice line once, as a match or a flagged line
    refs = [m.invoice_ref for m in result.matched]
    refs += [d.invoice_ref for d in result.discrepancies if d.invoice_ref is not None]
    assert sorted(refs) == sorted(line.ref for line in invoice)
    # every computed key once, matched, differing or not invoiced (none is zero here)
    keys = [(m.student_ref, m.course_type, m.part) for m in result.matched]
    keys += [(d.student_ref, d.course_type, d.part) for d in result.discrepancies
             if d.kind in (DiscrepancyKind.AMOUNT_DIFFERS, DiscrepancyKind.NOT_INVOICED)]
    assert sorted(keys) == sorted((c.student_ref, c.course_type, c.part) for c in computed)
    # the differences add up to the totals' difference
    total = sum((m.difference for m in result.matched), D(0))
    total += sum((d.difference for d in result.discrepancies), D(0))
    assert total == result.difference == result.invoiced_total - result.computed_total
    # the tolerance splits matches from differing amounts
    assert all(abs(m.difference) <= tolerance for m in result.matched)
    assert all(abs(d.difference) > tolerance for d in result.discrepancies
               if d.kind == DiscrepancyKind.AMOUNT_DIFFERS)
    # the order does not depend on anything but the input order
    assert reconcile(invoice, computed, tolerance=tolerance) == result
