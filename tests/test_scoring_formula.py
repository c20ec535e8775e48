"""The score formula on its own: plain numbers, no database."""

import math
import unittest

from odoo.tests import tagged

from odoo.addons.collections_mgmt.lib import scoring
from odoo.addons.collections_mgmt.lib.scoring import FactorScore


@tagged("post_install", "-at_install")
class TestScoringFormula(unittest.TestCase):
    def test_score_is_weighted_mean_scaled_to_100(self):
        score, factors = scoring.combine(
            [
                FactorScore("amount", 1000.0, 1.0, 50),
                FactorScore("age", 60, 0.5, 30),
                FactorScore("trust", "good", 0.0, 20),
            ]
        )
        # 100 * (50 * 1 + 30 * 0.5 + 20 * 0) / 100
        self.assertEqual(score, 65.0)
        self.assertEqual([f.points for f in factors], [50.0, 15.0, 0.0])

    def test_points_add_up_to_the_score_despite_rounding(self):
        for weights in ([1, 1, 1], [3, 7, 11], [25, 15, 15, 10, 10, 15, 5, 5]):
            for value in (1 / 3, 0.12345, 0.99995, 1.0):
                score, factors = scoring.combine(
                    FactorScore(f"f{i}", value, value, w) for i, w in enumerate(weights)
                )
                self.assertAlmostEqual(sum(f.points for f in factors), score, places=9)
                self.assertLessEqual(score, 100.0)

    def test_all_factors_full_scores_100_and_none_scores_0(self):
        weights = [25, 15, 15, 10, 10, 15, 5, 5]
        score, _factors = scoring.combine(
            FactorScore(str(i), 1, 1.0, w) for i, w in enumerate(weights)
        )
        self.assertEqual(score, 100.0)
        score, _factors = scoring.combine(
            FactorScore(str(i), 0, 0.0, w) for i, w in enumerate(weights)
        )
        self.assertEqual(score, 0.0)

    def test_zero_weight_factor_counts_nothing(self):
        with_zero, factors = scoring.combine(
            [FactorScore("a", 1, 0.8, 10), FactorScore("b", 1, 0.2, 0)]
        )
        without, _factors = scoring.combine([FactorScore("a", 1, 0.8, 10)])
        self.assertEqual(with_zero, without)
        self.assertEqual(with_zero, 80.0)
        self.assertEqual(factors[1].points, 0.0)

    def test_no_weight_at_all_scores_zero(self):
        self.assertEqual(scoring.combine([FactorScore("a", 1, 1.0, 0)])[0], 0.0)
        self.assertEqual(scoring.combine([])[0], 0.0)

    def test_negative_weight_is_refused(self):
        with self.assertRaises(ValueError):
            scoring.combine([FactorScore("a", 1, 1.0, -1)])

    def test_amount_is_log_scaled_against_the_portfolio(self):
        self.assertEqual(scoring.normalise_amount(0, 1000), 0.0)
        self.assertEqual(scoring.normalise_amount(1000, 1000), 1.0)
        self.assertAlmostEqual(
            scoring.normalise_amount(100, 1_000_000),
            math.log(101) / math.log(1_000_001),
        )
        # one huge customer does not flatten the others: a thousandth of it is still
        # half-way up
        self.assertGreater(scoring.normalise_amount(1000, 1_000_000), 0.49)

    def test_normalisers_never_decrease(self):
        previous = -1.0
        for amount in (0, 1, 10, 500, 999, 1000, 5000):
            value = scoring.normalise_amount(amount, 1000)
            self.assertGreaterEqual(value, previous)
            self.assertLessEqual(value, 1.0)
            previous = value
        previous = -1.0
        for days in (0, 1, 30, 119, 120, 500):
            value = scoring.normalise_linear(days, scoring.AGE_FULL_DAYS)
            self.assertGreaterEqual(value, previous)
            previous = value
        self.assertEqual(scoring.normalise_linear(500, 120), 1.0)
        trust = [scoring.normalise_trust(t) for t in ("good", "normal", "bad")]
        self.assertEqual(trust, sorted(trust))
        self.assertEqual(scoring.normalise_trust(False), 0.5)

    def test_priority_levels_use_the_thresholds(self):
        self.assertEqual(scoring.priority_level(70.0, 70, 40), scoring.HIGH)
        self.assertEqual(scoring.priority_level(69.99, 70, 40), scoring.MEDIUM)
        self.assertEqual(scoring.priority_level(40.0, 70, 40), scoring.MEDIUM)
        self.assertEqual(scoring.priority_level(39.99, 70, 40), scoring.LOW)
        self.assertEqual(scoring.priority_level(55, 50, 10), scoring.HIGH)

    def test_log_scale_never_decreases_past_the_largest(self):
        # a customer growing past the portfolio's largest becomes the largest: 1
        portfolio_max = 720000.0
        previous = 0.0
        for value in (7200, 18000, 719999, 720000, 720001, 5_000_000):
            normalised = scoring.normalise_amount(value, max(portfolio_max, value))
            self.assertGreaterEqual(normalised, previous)
            previous = normalised
        self.assertEqual(previous, 1.0)
