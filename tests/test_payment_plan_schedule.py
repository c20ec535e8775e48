"""Instalment arithmetic, without the ORM: equal parts, exact sums, any rounding."""

import unittest
from datetime import date

from odoo.tests import tagged

from odoo.addons.collections_mgmt.lib import schedule


@tagged("post_install", "-at_install")
class TestSplitAmount(unittest.TestCase):
    def test_cents_last_instalment_absorbs_remainder(self):
        self.assertEqual(schedule.split_amount(100.0, 3, 0.01), [33.33, 33.33, 33.34])

    def test_sum_is_exact_for_awkward_totals(self):
        for total, count in [(1000.01, 7), (0.1 + 0.2, 3), (12345.67, 12), (99.99, 11)]:
            with self.subTest(total=total, count=count):
                parts = schedule.split_amount(total, count, 0.01)
                self.assertEqual(len(parts), count)
                self.assertTrue(schedule.sums_to(parts, total, 0.01))
                self.assertEqual(len(set(parts[:-1])), 1 if count > 1 else 0)

    def test_zero_decimal_currency_yen(self):
        parts = schedule.split_amount(10000, 3, 1)
        self.assertEqual(parts, [3333.0, 3333.0, 3334.0])
        self.assertTrue(all(p == int(p) for p in parts))

    def test_three_decimal_currency_kwd(self):
        parts = schedule.split_amount(10.0, 3, 0.001)
        self.assertEqual(parts, [3.333, 3.333, 3.334])
        self.assertTrue(schedule.sums_to(parts, 10.0, 0.001))

    def test_swiss_rounding_five_cents(self):
        parts = schedule.split_amount(100.0, 3, 0.05)
        self.assertEqual(parts, [33.3, 33.3, 33.4])

    def test_refuses_non_positive_total_or_count(self):
        for total, count in [(0.0, 3), (-10.0, 2), (100.0, 0), (100.0, -1)]:
            with self.subTest(total=total, count=count), self.assertRaises(ValueError):
                schedule.split_amount(total, count, 0.01)

    def test_refuses_more_instalments_than_units(self):
        with self.assertRaises(ValueError):
            schedule.split_amount(0.02, 3, 0.01)

    def test_sums_to_detects_a_cent_off(self):
        self.assertFalse(schedule.sums_to([33.33, 33.33, 33.33], 100.0, 0.01))
        self.assertTrue(schedule.sums_to([50.0, 50.0], 100.0, 0.01))


@tagged("post_install", "-at_install")
class TestBuildSchedule(unittest.TestCase):
    def test_monthly_keeps_day_and_clamps_short_months(self):
        rows = schedule.build_schedule(300.0, 3, date(2026, 1, 31), "monthly", 0.01)
        self.assertEqual(
            [d for d, _a in rows],
            [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)],
        )

    def test_weekly_and_biweekly(self):
        weekly = schedule.build_schedule(30.0, 3, date(2026, 7, 1), "weekly", 0.01)
        self.assertEqual(
            [d for d, _a in weekly],
            [date(2026, 7, 1), date(2026, 7, 8), date(2026, 7, 15)],
        )
        biweekly = schedule.build_schedule(30.0, 2, date(2026, 7, 1), "biweekly", 0.01)
        self.assertEqual(
            [d for d, _a in biweekly], [date(2026, 7, 1), date(2026, 7, 15)]
        )

    def test_down_payment_first_then_equal_rest(self):
        rows = schedule.build_schedule(
            1000.0, 3, date(2026, 7, 1), "monthly", 0.01, down_payment=100.0
        )
        self.assertEqual(
            rows,
            [
                (date(2026, 7, 1), 100.0),
                (date(2026, 8, 1), 300.0),
                (date(2026, 9, 1), 300.0),
                (date(2026, 10, 1), 300.0),
            ],
        )

    def test_down_payment_must_be_below_total(self):
        with self.assertRaises(ValueError):
            schedule.build_schedule(
                100.0, 2, date(2026, 7, 1), "monthly", 0.01, down_payment=100.0
            )

    def test_unknown_frequency(self):
        with self.assertRaises(ValueError):
            schedule.build_schedule(100.0, 2, date(2026, 7, 1), "yearly", 0.01)


@tagged("post_install", "-at_install")
class TestAllocation(unittest.TestCase):
    def test_partial_payment_fills_instalments_in_order(self):
        self.assertEqual(
            schedule.allocate(150.0, [100.0, 100.0, 100.0], 0.01), [100.0, 50.0, 0.0]
        )

    def test_over_payment_caps_every_instalment(self):
        self.assertEqual(schedule.allocate(500.0, [100.0, 100.0], 0.01), [100.0, 100.0])

    def test_nothing_paid(self):
        self.assertEqual(schedule.allocate(-5.0, [10.0], 0.01), [0.0])

    def test_states_by_date(self):
        due = date(2026, 7, 1)

        def state(paid, today):
            return schedule.instalment_state(100.0, paid, due, today, 5, 0.01)

        self.assertEqual(state(0.0, date(2026, 7, 1)), "pending")
        self.assertEqual(state(0.0, date(2026, 7, 2)), "late")
        self.assertEqual(state(0.0, date(2026, 7, 6)), "late")
        self.assertEqual(state(0.0, date(2026, 7, 7)), "missed")
        self.assertEqual(state(99.99, date(2026, 7, 7)), "missed")
        self.assertEqual(state(100.0, date(2026, 9, 1)), "paid")
