"""The aging report buckets open receivables from today, in company currency."""

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common_monitoring import ReceivablesLedgerCase


@tagged("post_install", "-at_install")
class TestAgingReport(ReceivablesLedgerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Aging = cls.env["collection.report.aging"]
        cls.customers = cls.alpha | cls.beta | cls.gamma

    def _buckets(self, domain=()):
        domain = [("partner_id", "in", self.customers.ids), *domain]
        return dict(self.Aging._read_group(domain, ["bucket"], ["amount_residual:sum"]))

    def test_buckets_match_the_ledger(self):
        counted = [("excluded", "=", False)]
        self.assertEqual(
            self._buckets(counted),
            {"not_due": 1499.0, "1_30": 100.0, "31_60": 600.0, "90_plus": 300.0},
        )
        # the disputed invoice is in the report, flagged
        self.assertEqual(self._buckets()["1_30"], 180.0)
        row = self.Aging.search([("move_id", "=", self.c1.id)])
        self.assertTrue(row.excluded)
        self.assertEqual(row.days_overdue, 20)

    def test_bucket_columns_add_up_per_customer(self):
        fields = [
            "amount_not_due:sum",
            "amount_1_30:sum",
            "amount_31_60:sum",
            "amount_61_90:sum",
            "amount_90_plus:sum",
            "amount_residual:sum",
            "amount_overdue:sum",
        ]
        groups = self.Aging._read_group(
            [("partner_id", "in", self.customers.ids), ("excluded", "=", False)],
            ["partner_id"],
            fields,
        )
        totals = {partner: values for partner, *values in groups}
        self.assertEqual(
            totals[self.alpha], [500.0, -100.0, 600.0, 0.0, 0.0, 1000.0, 500.0]
        )
        self.assertEqual(
            totals[self.beta], [999.0, 200.0, 0.0, 0.0, 300.0, 1499.0, 500.0]
        )

    def test_paid_documents_are_not_listed(self):
        rows = self.Aging.search([("partner_id", "in", self.customers.ids)])
        self.assertNotIn(self.b3, rows.move_id)
        self.assertNotIn(self.b4, rows.move_id)  # paid after June, paid today
        self.assertIn(self.a1, rows.move_id)

    def test_foreign_currency_in_company_currency(self):
        row = self.Aging.search([("move_id", "=", self.b2.id)])
        self.assertEqual(row.currency_id, self.eur)
        self.assertEqual(row.amount_residual_currency, 400.0)
        self.assertEqual(row.amount_residual, 200.0)
        self.assertEqual(row.company_currency_id, self.company.currency_id)

    def test_grouped_by_collector_and_stage(self):
        groups = self.Aging._read_group(
            [("partner_id", "in", self.customers.ids), ("excluded", "=", False)],
            ["user_id"],
            ["amount_residual:sum"],
        )
        self.assertEqual(
            dict(groups), {self.collector: 1000.0, self.env["res.users"]: 1499.0}
        )
        row = self.Aging.search([("move_id", "=", self.a1.id)])
        self.assertEqual(row.stage_id, self.case_alpha.stage_id)
        self.assertEqual(row.case_id, self.case_alpha)

    def test_ages_follow_the_clock(self):
        with freeze_time("2026-08-15"):
            buckets = self._buckets([("excluded", "=", False)])
            a1 = self.Aging.search([("move_id", "=", self.a1.id)])
            self.assertEqual(a1.days_overdue, 87)
        # A1 (87 days) and A3 (61) in 61-90, A2 (41) and B2 (56) in 31-60, B5 (15)
        self.assertEqual(
            buckets,
            {"1_30": 999.0, "31_60": 700.0, "61_90": 500.0, "90_plus": 300.0},
        )

    def test_export_like_any_list(self):
        rows = self.Aging.search([("partner_id", "=", self.alpha.id)], order="date_due")
        data = rows.export_data(["partner_id", "bucket", "amount_residual"])["datas"]
        self.assertEqual(
            data,
            [
                ["Alpha", "31-60", 600.0],
                ["Alpha", "1-30", -100.0],
                ["Alpha", "Not due", 500.0],
            ],
        )

    def test_collector_reads_own_companies_only(self):
        other = self.setup_other_company(name="Other Co")["company"]
        self._invoice(self.alpha, 700.0, self.a1.invoice_date_due, company=other)
        as_collector = self.Aging.with_user(self.collector)
        self.assertEqual(
            sum(
                as_collector.search([("partner_id", "=", self.alpha.id)]).mapped(
                    "amount_residual"
                )
            ),
            1000.0,
        )
        self.collector.company_ids = [Command.link(other.id)]
        rows = as_collector.with_context(
            allowed_company_ids=[self.company.id, other.id]
        ).search([("partner_id", "=", self.alpha.id)])
        self.assertEqual(sum(rows.mapped("amount_residual")), 1700.0)

    def test_internal_user_cannot_read(self):
        with self.assertRaises(AccessError):
            self.Aging.with_user(self.internal_user).search([])
