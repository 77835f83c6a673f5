"""Invoice follow-up: a provider's invoice lines for a period reconciled against the payout
computed for the same provider and period. Pure: the caller reads both sides and stores or
shows the result; nothing here touches the database or the request.

A line's *key* is ``(student_ref, course_type, part)``, ``part`` being the part of a split
payment (e.g. ``during_course`` or ``on_grades``). Keys compare exactly, without case folding or
trimming. Computed lines with the same key are one payout: their amounts are added up (a
calculator may give one line per price component).

Each invoice line, in the invoice's order, is:

- a *match* when it is the first line of its key and its amount is within ``tolerance`` of the
  computed amount (``|invoiced - computed| <= tolerance``; the default, 0.00, asks for the exact
  amount); a match still records its difference;
- ``amount_differs`` when it is the first line of a computed key and the amounts differ by more
  than ``tolerance``;
- ``not_computed`` when it is the first line of a key nothing is computed for (e.g. a student
  who is not enrolled), whatever its amount;
- ``duplicate`` when an earlier line has the same key: the second and later lines, whatever
  their amounts (the computed amount is set against the first line only).

Then each computed key without an invoice line, in the order of its first computed line, is
``not_invoiced``, unless its amount adds up to zero (nothing is owed, so nothing is missing).
The discrepancies come in that order: the invoice's lines first, then the missing ones.

A discrepancy's ``difference`` is ``invoiced - computed``, a missing side counting as zero: an
invoice above the payout gives a positive difference. So the differences of the matches and the
discrepancies add up to the reconciliation's ``difference``, ``invoiced_total - computed_total``.

Money is :class:`~decimal.Decimal` (or ``int``) in öre, at most two decimals; the arithmetic is
additions and subtractions only, exact, and nothing is rounded: an amount with a digit below öre
is refused rather than rounded, and amounts are returned with exactly two decimals. Floats are
refused, as their binary expansion is not the figure that was invoiced.

A discrepancy's ``explanation`` is a lazy_gettext msgid with named placeholders and ``params``
its raw values (Decimal amounts, references); the caller formats the amounts for the reader's
locale and interpolates, e.g. ``str(explanation) % formatted_params``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, Inexact, localcontext
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l

from samverkan.partnership.services.common import PartnershipError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PRECISION = 40  # digits of the sums: far beyond any total, so an addition never rounds

Key = tuple[str, str, str]


class DiscrepancyKind(enum.StrEnum):
    """Why an invoice line, or a computed payout, is flagged."""

    AMOUNT_DIFFERS = "amount_differs"
    NOT_COMPUTED = "not_computed"
    NOT_INVOICED = "not_invoiced"
    DUPLICATE = "duplicate"


EXPLANATIONS = {
    DiscrepancyKind.AMOUNT_DIFFERS: _l(
        "Invoiced %(invoiced)s, but the computed payout is %(computed)s: a difference of "
        "%(difference)s."),
    DiscrepancyKind.NOT_COMPUTED: _l(
        "Invoiced %(invoiced)s, but no payout is computed for this student, course type and part."),
    DiscrepancyKind.NOT_INVOICED: _l(
        "A payout of %(computed)s is computed for this student, course type and part, but it is "
        "not invoiced."),
    DiscrepancyKind.DUPLICATE: _l(
        "Line %(ref)s invoices the same student, course type and part as line %(first_ref)s: "
        "%(invoiced)s more."),
}


class PayoutAmount(Protocol):
    """What reconciliation reads from a computed payout line."""

    @property
    def student_ref(self) -> str: ...

    @property
    def course_type(self) -> str: ...

    @property
    def part(self) -> str: ...

    @property
    def amount(self) -> Decimal: ...


@dataclass(frozen=True)
class InvoiceLine:
    """One line of a provider's invoice; ``ref`` identifies the line within the invoice."""

    ref: str
    student_ref: str
    course_type: str
    part: str
    amount: Decimal


@dataclass(frozen=True)
class ComputedLine:
    """One line of a computed payout, as far as reconciliation is concerned."""

    student_ref: str
    course_type: str
    part: str
    amount: Decimal


@dataclass(frozen=True)
class Match:
    """An invoice line whose amount agrees with the payout, within the tolerance."""

    invoice_ref: str
    student_ref: str
    course_type: str
    part: str
    invoiced: Decimal
    computed: Decimal
    difference: Decimal


@dataclass(frozen=True)
class Discrepancy:
    """A flagged invoice line (``invoice_ref`` set) or a payout not invoiced (``invoice_ref``
    None). ``invoiced`` is None for ``not_invoiced``, ``computed`` None for ``not_computed`` and
    ``duplicate``; ``difference`` is ``invoiced - computed`` with a missing side as zero."""

    kind: DiscrepancyKind
    invoice_ref: str | None
    student_ref: str
    course_type: str
    part: str
    invoiced: Decimal | None
    computed: Decimal | None
    difference: Decimal
    explanation: Any = field(compare=False, hash=False, repr=False)
    params: dict[str, Decimal | str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Reconciliation:
    """The outcome: matches and discrepancies in a stable order, and the totals of both sides."""

    matched: tuple[Match, ...]
    discrepancies: tuple[Discrepancy, ...]
    invoiced_total: Decimal
    computed_total: Decimal
    difference: Decimal

    @property
    def balanced(self) -> bool:
        """True when nothing is flagged."""
        return not self.discrepancies


def reconcile(invoice_lines: Iterable[InvoiceLine], computed_lines: Iterable[PayoutAmount],
              tolerance: Decimal | int = ZERO) -> Reconciliation:
    """Reconcile an invoice's lines against the computed payout (see the module docstring)."""
    tolerance = _money(tolerance, "tolerance")
    if tolerance < 0:
        raise ValueError("the tolerance cannot be negative")
    invoice = list(invoice_lines)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        ctx.traps[Inexact] = True
        computed = _computed(computed_lines)
        matched, discrepancies = _invoice_side(invoice, computed, tolerance)
        discrepancies += _missing(invoice, computed)
        invoiced_total = sum((_money(line.amount, "amount") for line in invoice), ZERO)
        computed_total = sum(computed.values(), ZERO)
        return Reconciliation(matched=tuple(matched), discrepancies=tuple(discrepancies),
                              invoiced_total=invoiced_total, computed_total=computed_total,
                              difference=invoiced_total - computed_total)


def _computed(lines: Iterable[PayoutAmount]) -> dict[Key, Decimal]:
    """The computed amount per key, in the order of each key's first line."""
    amounts: dict[Key, Decimal] = {}
    for line in lines:
        key = _key(line)
        amounts[key] = amounts.get(key, ZERO) + _money(line.amount, "amount")
    return amounts


def _invoice_side(invoice: list[InvoiceLine], computed: dict[Key, Decimal],
                  tolerance: Decimal) -> tuple[list[Match], list[Discrepancy]]:
    """The matches and flagged lines of the invoice, in its order."""
    matched: list[Match] = []
    flagged: list[Discrepancy] = []
    first_ref: dict[Key, str] = {}
    refs: set[str] = set()
    for line in invoice:
        ref = _ref(line.ref, refs)
        refs.add(ref)
        key = _key(line)
        invoiced = _money(line.amount, "amount")
        if key in first_ref:
            flagged.append(_discrepancy(DiscrepancyKind.DUPLICATE, ref, key, invoiced, None,
                                        ref=ref, first_ref=first_ref[key]))
            continue
        first_ref[key] = ref
        if key not in computed:
            flagged.append(_discrepancy(DiscrepancyKind.NOT_COMPUTED, ref, key, invoiced, None))
        elif abs(invoiced - computed[key]) > tolerance:
            flagged.append(_discrepancy(DiscrepancyKind.AMOUNT_DIFFERS, ref, key, invoiced,
                                        computed[key]))
        else:
            matched.append(Match(ref, *key, invoiced=invoiced, computed=computed[key],
                                 difference=invoiced - computed[key]))
    return matched, flagged


def _missing(invoice: list[InvoiceLine], computed: dict[Key, Decimal]) -> list[Discrepancy]:
    """The computed keys without an invoice line, except those that add up to zero."""
    invoiced = {_key(line) for line in invoice}
    return [_discrepancy(DiscrepancyKind.NOT_INVOICED, None, key, None, amount)
            for key, amount in computed.items() if key not in invoiced and amount != 0]


def _discrepancy(kind: DiscrepancyKind, invoice_ref: str | None, key: Key,
                 invoiced: Decimal | None, computed: Decimal | None, **extra: str) -> Discrepancy:
    """A discrepancy with its difference, explanation and parameters."""
    difference = (invoiced or ZERO) - (computed or ZERO)
    params: dict[str, Decimal | str] = {"difference": difference, **extra}
    if invoiced is not None:
        params["invoiced"] = invoiced
    if computed is not None:
        params["computed"] = computed
    return Discrepancy(kind=kind, invoice_ref=invoice_ref, student_ref=key[0], course_type=key[1],
                       part=key[2], invoiced=invoiced, computed=computed, difference=difference,
                       explanation=EXPLANATIONS[kind], params=params)


def _key(line: PayoutAmount | InvoiceLine) -> Key:
    """The line's (student_ref, course_type, part), checked to be strings."""
    key = (line.student_ref, line.course_type, line.part)
    for value in key:
        if not isinstance(value, str):
            raise TypeError(f"student, course type and part are str, not {type(value).__name__}")
    return key


def _ref(ref: object, earlier: set[str]) -> str:
    """An invoice line's reference: a non-empty string not used by an earlier line."""
    if not isinstance(ref, str):
        raise TypeError(f"an invoice line's ref is a str, not {type(ref).__name__}")
    if not ref:
        raise PartnershipError("ref", "required", _l("Every invoice line needs a reference."))
    if ref in earlier:
        raise PartnershipError("ref", "duplicate",
                               _l("Two invoice lines have the reference %(ref)s.", ref=ref))
    return ref


def _money(value: object, name: str) -> Decimal:
    """An amount in öre with exactly two decimals; TypeError for floats and other types,
    PartnershipError for an amount with a digit below öre."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"the {name} is a Decimal or int, not {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"the {name} must be finite, not {amount}")
    if amount.adjusted() >= PRECISION - 2:
        raise ValueError(f"the {name} is out of range: {amount}")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        ctx.traps[Inexact] = False
        exact = amount.quantize(CENT)
    if exact != amount:
        raise PartnershipError(name, "precision",
                               _l("Amounts have at most two decimals, not %(amount)s.",
                                  amount=str(amount)))
    return exact
