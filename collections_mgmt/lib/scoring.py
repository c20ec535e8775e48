"""The priority score formula, with no ORM: plain numbers in, plain numbers out.

A case's score is the weighted mean of its factors' normalised values (each in 0..1),
scaled to 0..100::

    points(factor) = round(100 * weight(factor) * normalised(factor) / sum(weights), 2)
    score          = sum(points)

The points are rounded first and the score is their sum, so the breakdown shown to the
user always adds up to the score. A factor of weight zero adds nothing and does not
count in the sum of weights. ``collection.case`` gathers the inputs with grouped SQL and
calls one ``_score_factor_<key>`` method per factor; those call the normalisers below.
"""

import math
from dataclasses import dataclass

# Days overdue of the oldest invoice that give a full age factor.
AGE_FULL_DAYS = 120
# Average days late of paid invoices that give a full history factor.
DAYS_LATE_FULL = 60
# Broken promises or payment plans that give a full factor.
BROKEN_FULL = 3
# Normalised value of each res.partner trust level.
TRUST_VALUES = {"good": 0.0, "normal": 0.5, "bad": 1.0}

HIGH = "high"
MEDIUM = "medium"
LOW = "low"


@dataclass(frozen=True)
class FactorScore:
    """One factor of one case: its raw value, normalised value, weight and points."""

    key: str
    raw: float
    normalised: float
    weight: float
    points: float = 0.0

    def as_dict(self):
        return {
            "key": self.key,
            "raw": self.raw,
            "normalised": self.normalised,
            "weight": self.weight,
            "points": self.points,
        }


def clamp(value):
    """``value`` bounded to 0..1."""
    return min(max(value, 0.0), 1.0)


def normalise_amount(amount, portfolio_max):
    """Log-scaled share of the largest value of the portfolio.

    ``ln(1 + amount) / ln(1 + portfolio_max)``: a customer owing a tenth of the
    largest debtor still scores high, so one huge customer does not flatten the others.
    Used for the overdue amount and for the amount-days of the overdue balance.
    It never decreases when ``amount`` grows, even past ``portfolio_max`` (the
    customer then is the largest: 1).
    """
    if amount <= 0 or portfolio_max <= 0:
        return 0.0
    return clamp(math.log1p(amount) / math.log1p(max(portfolio_max, amount)))


def normalise_linear(value, full):
    """``value / full``, bounded to 0..1 (``full`` and above give 1)."""
    if full <= 0:
        return 0.0
    return clamp(value / full)


def normalise_trust(trust):
    """Bad debtors 1, normal 0.5, good (or unknown) 0."""
    return TRUST_VALUES.get(trust or "normal", 0.0)


def combine(factors):
    """Score (0..100) and factors with their points from unweighted ``FactorScore``.

    :param factors: iterable of :class:`FactorScore` (``points`` ignored)
    :return: ``(score, [FactorScore, ...])`` where the points add up to the score
    """
    factors = list(factors)
    for factor in factors:
        if factor.weight < 0:
            raise ValueError(f"negative weight for factor {factor.key}")
    total = sum(factor.weight for factor in factors)
    scored = []
    exact_score = 0.0
    for factor in factors:
        normalised = round(clamp(factor.normalised), 4)
        exact = 100.0 * factor.weight * normalised / total if total else 0.0
        exact_score += exact
        scored.append(
            FactorScore(
                factor.key, factor.raw, normalised, factor.weight, round(exact, 2)
            )
        )
    score = round(exact_score, 2)
    # rounding each factor may leave a cent: the biggest factor takes it
    rest = round(score - sum(factor.points for factor in scored), 2)
    if rest and scored:
        index = max(range(len(scored)), key=lambda i: scored[i].points)
        biggest = scored[index]
        scored[index] = FactorScore(
            biggest.key,
            biggest.raw,
            biggest.normalised,
            biggest.weight,
            round(biggest.points + rest, 2),
        )
    return score, scored


def priority_level(score, high_threshold, medium_threshold):
    """``high`` from ``high_threshold`` up, ``medium`` from ``medium_threshold``, else ``low``."""
    if score >= high_threshold:
        return HIGH
    if score >= medium_threshold:
        return MEDIUM
    return LOW
