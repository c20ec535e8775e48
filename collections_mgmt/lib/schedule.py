"""Instalment schedules: pure arithmetic, no ORM.

Amounts are handled as whole numbers of the currency's rounding unit (cents for
0.01, yen for 1, fils for 0.001), so the instalments always add up to the total
exactly; the last instalment absorbs what the equal split leaves over.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

FREQUENCIES = ("weekly", "biweekly", "monthly", "custom")


def _unit(rounding):
    unit = Decimal(str(rounding))
    if unit <= 0:
        raise ValueError("rounding must be positive")
    return unit


def to_units(amount, rounding):
    """``amount`` as a whole number of rounding units (half up)."""
    unit = _unit(rounding)
    return int((Decimal(str(amount)) / unit).quantize(Decimal(1), ROUND_HALF_UP))


def from_units(units, rounding):
    return float(units * _unit(rounding))


def split_amount(total, count, rounding):
    """``count`` equal instalments of ``total``, the last absorbing the remainder.

    :return: list of floats, each a multiple of ``rounding``, summing to ``total``
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    units = to_units(total, rounding)
    if units <= 0:
        raise ValueError("total must be positive")
    each = units // count
    if each == 0:
        raise ValueError("total is too small for that many instalments")
    parts = [each] * (count - 1) + [units - each * (count - 1)]
    return [from_units(part, rounding) for part in parts]


def due_dates(first_date, count, frequency):
    """``count`` due dates from ``first_date``; months keep the day when they can."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")
    if frequency == "weekly":
        return [first_date + timedelta(weeks=i) for i in range(count)]
    if frequency == "biweekly":
        return [first_date + timedelta(weeks=2 * i) for i in range(count)]
    # monthly, and the starting point of custom dates
    return [first_date + relativedelta(months=i) for i in range(count)]


def build_schedule(total, count, first_date, frequency, rounding, down_payment=0.0):
    """The instalments of a plan as ``[(due_date, amount), ...]``.

    A down payment, when given, is due on ``first_date`` and the ``count``
    instalments of the rest follow one period apart after it.
    """
    down_units = to_units(down_payment or 0.0, rounding)
    total_units = to_units(total, rounding)
    if down_units < 0:
        raise ValueError("down payment cannot be negative")
    if down_units >= total_units:
        raise ValueError("down payment must be below the total")
    if down_units:
        dates = due_dates(first_date, count + 1, frequency)
        rest = from_units(total_units - down_units, rounding)
        amounts = [from_units(down_units, rounding)]
        amounts += split_amount(rest, count, rounding)
    else:
        dates = due_dates(first_date, count, frequency)
        amounts = split_amount(total, count, rounding)
    return list(zip(dates, amounts))


def sums_to(amounts, total, rounding):
    """Whether ``amounts`` add up to ``total`` exactly, in rounding units."""
    return sum(to_units(a, rounding) for a in amounts) == to_units(total, rounding)


def allocate(paid, amounts, rounding):
    """Spread ``paid`` over instalments in order; the excess stays on none.

    :return: the amount paid of each instalment (never above its amount)
    """
    left = max(to_units(paid, rounding), 0)
    result = []
    for amount in amounts:
        units = to_units(amount, rounding)
        taken = min(units, left)
        left -= taken
        result.append(from_units(taken, rounding))
    return result


def instalment_state(amount, amount_paid, due_date, today, grace_days, rounding):
    """pending, paid, late (after due date) or missed (after the grace days)."""
    if to_units(amount_paid, rounding) >= to_units(amount, rounding):
        return "paid"
    if today > due_date + timedelta(days=grace_days):
        return "missed"
    if today > due_date:
        return "late"
    return "pending"
