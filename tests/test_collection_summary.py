"""The dashboard and the printed summary show the KPIs, aging and goals of a period."""

from datetime import date

from odoo.tests import tagged

from .common_monitoring import JUNE_1, JUNE_30, ReceivablesLedgerCase

REPORT = "collections_mgmt.action_report_collection_summary"


@tagged("post_install", "-at_install")
class TestCollectionSummary(ReceivablesLedgerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.goal = cls.env["collection.goal"].create(
            {
                "name": "DSO under 40",
                "metric": "dso",
                "target_value": 40.0,
                "date_start": date(2026, 6, 1),
                "date_deadline": date(2026, 9, 30),
            }
        )
        cls.dashboard = (
            cls.env["collection.dashboard"]
            .with_user(cls.collector)
            .create({"date_from": JUNE_1, "date_to": JUNE_30})
        )

    def test_dashboard_fields(self):
        dashboard = self.dashboard
        self.assertAlmostEqual(dashboard.dso, 1730 / 830 * 30, delta=0.05)
        self.assertAlmostEqual(dashboard.cei, 400 / 1630 * 100, delta=0.05)
        self.assertEqual(dashboard.collected, 400.0)
        self.assertEqual(dashboard.goal_ids, self.goal)
        self.assertIn("Carla Collector", dashboard.detail_html)

    def test_dashboard_opens_for_this_month(self):
        action = self.env["collection.dashboard"].action_open_dashboard()
        dashboard = self.env["collection.dashboard"].browse(action["res_id"])
        self.assertEqual(dashboard.date_from, JUNE_1)
        self.assertEqual(dashboard.date_to, JUNE_30)

    def test_summary_html(self):
        html = str(
            self.env["ir.actions.report"]._render_qweb_html(REPORT, self.dashboard.ids)[
                0
            ]
        )
        self.assertIn("Collections summary", html)
        self.assertIn("62.5", html)  # DSO 1730 / 830 * 30
        self.assertIn("24.5", html)  # CEI 400 / 1630
        self.assertIn("DSO under 40", html)
        # top overdue customers: Alpha (A1 600 - A3 100) and Beta (B1 300 + B2 200)
        self.assertIn("Alpha", html)
        self.assertIn("Beta", html)
        self.assertNotIn("Gamma", html)  # its only invoice is disputed

    def test_summary_pdf(self):
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, self.dashboard.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_aging_opens_on_the_graph(self):
        action = self.dashboard.action_open_aging()
        self.assertEqual(action["views"][0][1], "graph")
        self.assertIn(("company_id", "=", self.company.id), action["domain"])
