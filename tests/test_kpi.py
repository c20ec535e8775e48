"""The KPIs match the hand-computed figures of the ledger in common_monitoring."""

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.collections_mgmt.models.collection_kpi import kpi_ratios

from .common_monitoring import JUNE_1, JUNE_30, ReceivablesLedgerCase


@tagged("post_install", "-at_install")
class TestKpi(ReceivablesLedgerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Kpi = cls.env["collection.kpi"]

    def _kpis(self, date_from=JUNE_1, date_to=JUNE_30, user=None):
        return self.Kpi._compute_kpis(self.company, date_from, date_to, user=user)[
            self.company.id
        ]

    def test_ledger_amounts_of_the_period(self):
        kpis = self._kpis()
        # begin: A1 1000 (paid later) + B1 300; B3 paid before June
        self.assertAlmostEqual(kpis["receivable_begin"], 1300.0)
        # June sales: A2 500 - A3 100 + B2 200 + B4 150 + C1 80
        self.assertAlmostEqual(kpis["credit_sales"], 830.0)
        # end: A1 600, A2 500, A3 -100, B1 300, B2 200, B4 150 (paid in July), C1 80
        self.assertAlmostEqual(kpis["receivable_end"], 1730.0)
        self.assertAlmostEqual(kpis["receivable_current"], 500.0)
        self.assertAlmostEqual(kpis["receivable_overdue"], 1230.0)
        self.assertAlmostEqual(kpis["receivable_90_plus"], 300.0)
        self.assertAlmostEqual(kpis["collected"], 400.0)
        self.assertEqual(kpis["days"], 30)

    def test_ratios(self):
        kpis = self._kpis()
        self.assertAlmostEqual(kpis["dso"], 1730 / 830 * 30)
        self.assertAlmostEqual(kpis["best_dso"], 500 / 830 * 30)
        self.assertAlmostEqual(kpis["add"], 1230 / 830 * 30)
        self.assertAlmostEqual(kpis["cei"], 400 / 1630 * 100)
        self.assertAlmostEqual(kpis["overdue_share"], 1230 / 1730 * 100)
        self.assertAlmostEqual(kpis["over_90_share"], 300 / 1730 * 100)

    def test_per_collector(self):
        mine = self._kpis(user=self.collector)
        self.assertAlmostEqual(mine["receivable_begin"], 1000.0)
        self.assertAlmostEqual(mine["credit_sales"], 400.0)
        self.assertAlmostEqual(mine["receivable_end"], 1000.0)
        self.assertAlmostEqual(mine["dso"], 75.0)
        self.assertAlmostEqual(mine["best_dso"], 37.5)
        self.assertAlmostEqual(mine["cei"], 400 / 900 * 100)
        unassigned = self._kpis(user=self.env["res.users"])
        self.assertAlmostEqual(unassigned["receivable_end"], 730.0)
        self.assertAlmostEqual(unassigned["cei"], 0.0)
        self.assertAlmostEqual(unassigned["collected"], 0.0)
        by_collector = self.Kpi._compute_kpis_by_collector(
            self.company, JUNE_1, JUNE_30
        )
        self.assertEqual(
            set(by_collector),
            {(self.company.id, self.collector.id), (self.company.id, False)},
        )

    def test_period_boundaries(self):
        # July 1-2: B5 is a sale, B4's payment of July 2 is collected
        kpis = self._kpis(date(2026, 7, 1), date(2026, 7, 2))
        self.assertAlmostEqual(kpis["receivable_begin"], 1730.0)
        self.assertAlmostEqual(kpis["credit_sales"], 999.0)
        self.assertAlmostEqual(kpis["collected"], 150.0)
        self.assertAlmostEqual(kpis["receivable_end"], 1730.0 + 999.0 - 150.0)
        # May: B3 sold in April and paid in May; A1 sold in May
        may = self._kpis(date(2026, 5, 1), date(2026, 5, 31))
        self.assertAlmostEqual(may["receivable_begin"], 250.0 + 300.0)
        self.assertAlmostEqual(may["credit_sales"], 1000.0)
        self.assertAlmostEqual(may["collected"], 250.0)
        self.assertAlmostEqual(may["receivable_end"], 1300.0)

    def test_contacts_and_run_figures(self):
        Communication = self.env["collection.communication"]
        case_beta = self.Case.search([("partner_id", "=", self.beta.id)])
        common = {"date": "2026-06-15 10:00:00"}
        Communication.create(
            [
                dict(common, case_id=self.case_alpha.id, channel="email", state="sent"),
                dict(common, case_id=self.case_alpha.id, channel="email", state="sent"),
                dict(common, case_id=case_beta.id, channel="phone", state="done"),
                dict(common, case_id=case_beta.id, channel="email", state="failed"),
                dict(
                    common,
                    case_id=case_beta.id,
                    channel="letter",
                    state="skipped",
                    reason="Do not contact",
                ),
                {
                    "case_id": case_beta.id,
                    "channel": "email",
                    "state": "sent",
                    "date": "2026-07-01 08:00:00",
                },
            ]
        )
        kpis = self._kpis()
        self.assertEqual(kpis["contacts"], 3)
        self.assertEqual(kpis["contacts_by_channel"], {"email": 2, "phone": 1})
        self.assertEqual(kpis["cases_processed"], 2)
        self.assertEqual(kpis["skipped_by_reason"], {"Do not contact": 1})
        self.assertEqual(self._kpis(user=self.collector)["contacts"], 2)

    def test_plan_and_promise_rates_only_with_their_models(self):
        kpis = self._kpis()
        if "collection.promise" not in self.env:
            self.assertIsNone(kpis["promise_kept_rate"])
        if "collection.payment.plan" not in self.env:
            self.assertIsNone(kpis["plan_success_rate"])

    def test_backwards_period_is_refused(self):
        with self.assertRaises(UserError):
            self._kpis(JUNE_30, JUNE_1)

    def test_company_without_data(self):
        other = self.setup_other_company(name="Quiet Co")["company"]
        kpis = self.Kpi._compute_kpis(other, JUNE_1, JUNE_30)[other.id]
        self.assertEqual(kpis["receivable_end"], 0.0)
        self.assertIsNone(kpis["dso"])
        self.assertIsNone(kpis["cei"])

    def test_queries_do_not_grow_with_companies(self):
        other = self.setup_other_company(name="Second Co")["company"]
        self._invoice(self._customer("Delta"), 10.0, JUNE_30, company=other)
        self.Kpi._compute_kpis(self.company, JUNE_1, JUNE_30)  # warm up
        with self.assertQueryCount(4):
            one = self.Kpi._compute_kpis(self.company, JUNE_1, JUNE_30)
        with self.assertQueryCount(4):
            both = self.Kpi._compute_kpis(self.company | other, JUNE_1, JUNE_30)
        self.assertEqual(both[self.company.id]["dso"], one[self.company.id]["dso"])
        self.assertAlmostEqual(both[other.id]["receivable_end"], 10.0)


class TestKpiRatios:
    """``kpi_ratios`` is a pure function: plain pytest tests."""

    AMOUNTS = {
        "receivable_begin": 100.0,
        "receivable_end": 150.0,
        "receivable_current": 50.0,
        "receivable_overdue": 100.0,
        "receivable_90_plus": 30.0,
        "credit_sales": 300.0,
        "collected": 250.0,
    }

    def test_standard_formulas(self):
        ratios = kpi_ratios(self.AMOUNTS, 30)
        assert ratios["dso"] == 15.0
        assert ratios["best_dso"] == 5.0
        assert ratios["add"] == 10.0
        assert ratios["cei"] == 250 / 350 * 100
        assert ratios["over_90_share"] == 20.0

    def test_no_sales_no_dso(self):
        ratios = kpi_ratios(dict(self.AMOUNTS, credit_sales=0.0), 30)
        assert ratios["dso"] is None
        assert ratios["add"] is None
