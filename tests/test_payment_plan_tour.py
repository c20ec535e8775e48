"""In Chromium: a collector proposes a payment plan from a case, a manager approves it."""

from datetime import date, timedelta

from odoo.tests import HttpCase, tagged

from .common import CollectionsCase


@tagged("post_install", "-at_install")
class TestPaymentPlanTour(CollectionsCase, HttpCase):
    # the browser runs on the real clock: fixtures are relative to today
    freeze_date = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Tour Plan Customer")
        cls.invoice = cls._invoice(
            cls.customer, 9000.0, date.today() - timedelta(days=35)
        )
        cls.Case._sync_cases(companies=cls.company)
        cls.company.collection_plan_approval_amount = 5000.0
        cls.case = cls.Case.search([("partner_id", "=", cls.customer.id)])

    def test_collector_proposes_manager_approves(self):
        Plan = self.env["collection.payment.plan"]
        self.start_tour(
            "/odoo", "collections_mgmt_propose_payment_plan", login="collector"
        )
        plan = Plan.search([("case_id", "=", self.case.id)])
        self.assertEqual(plan.state, "to_approve")
        self.assertEqual(plan.submitted_by_id, self.collector)
        self.assertEqual(plan.invoice_ids, self.invoice)
        self.assertEqual(plan.line_ids.mapped("amount"), [2250.0] * 4)
        self.assertEqual(
            self.case.stage_id,
            self.env.ref("collections_mgmt.collection_stage_payment_plan"),
        )

        self.start_tour(
            "/odoo", "collections_mgmt_approve_payment_plan", login="colmanager"
        )
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.approved_by_id, self.collections_manager)
