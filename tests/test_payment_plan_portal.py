"""The customer sees their own proposed and active plans at /my and accepts online."""

from datetime import date, timedelta

from odoo import http
from odoo.tests import HttpCase, new_test_user, tagged

from .common_payment_plan import PaymentPlanCase


@tagged("post_install", "-at_install")
class TestPaymentPlanPortal(PaymentPlanCase, HttpCase):
    # the HTTP server runs on the real clock: dates are relative to today
    freeze_date = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tomorrow = date.today() + timedelta(days=1)
        contact = cls.env["res.partner"].create(
            {
                "name": "Paula Portal",
                "parent_id": cls.customer.id,
                "email": "paula@example.com",
            }
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="plan_portal",
            name="Paula Portal",
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=cls.company.id,
        )
        cls.company.collection_plan_approval_amount = 500.0
        cls.proposed = cls._plan(date_first_due=tomorrow)
        cls.proposed.with_user(cls.collector).action_submit()
        cls.draft = cls._plan(
            invoices=cls._invoice(cls.customer, 50.0, date.today()),
            date_first_due=tomorrow,
        )

        cls.other_customer = cls._customer("Someone Else")
        other_invoice = cls._invoice(
            cls.other_customer, 400.0, date.today() - timedelta(days=9)
        )
        cls.Case._sync_cases(companies=cls.company, partners=cls.other_customer)
        other_case = cls.Case.search([("partner_id", "=", cls.other_customer.id)])
        cls.other_plan = cls._plan(
            case=other_case, invoices=other_invoice, date_first_due=tomorrow
        )
        cls.other_plan.with_user(cls.collector).action_activate()

    def setUp(self):
        super().setUp()
        self.authenticate("plan_portal", "plan_portal")

    def test_list_shows_only_own_visible_plans(self):
        response = self.url_open("/my/payment_plans")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.proposed.name, response.text)
        self.assertNotIn(self.other_plan.name, response.text)
        self.assertNotIn(self.draft.name, response.text)

    def test_home_counter(self):
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["payment_plan_count"]}
        )
        self.assertEqual(counters["payment_plan_count"], 1)

    def test_detail_page_shows_instalments(self):
        response = self.url_open(f"/my/payment_plans/{self.proposed.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_payment_plan_lines", response.text)
        self.assertIn("300.00", response.text)
        self.assertIn("o_payment_plan_accept", response.text)

    def test_other_customers_plan_is_not_shown(self):
        response = self.url_open(f"/my/payment_plans/{self.other_plan.id}")
        self.assertTrue(response.url.endswith("/my"), response.url)
        self.assertNotIn(self.other_plan.name, response.text)
        # nor through the ORM as that user
        plans = (
            self.env["collection.payment.plan"].with_user(self.portal_user).search([])
        )
        self.assertEqual(plans, self.proposed)

    def test_customer_accepts_proposed_plan(self):
        response = self.url_open(
            f"/my/payment_plans/{self.proposed.id}/accept",
            data={"csrf_token": http.Request.csrf_token(self)},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_payment_plan_accepted", response.text)
        self.assertEqual(self.proposed.accepted_by_id, self.portal_user)
        self.assertTrue(self.proposed.accepted_date)
        self.env.invalidate_all()
        bodies = self.proposed.message_ids.mapped("body")
        self.assertTrue(any("Accepted online by Paula Portal" in b for b in bodies))

    def test_customer_cannot_accept_other_customers_plan(self):
        response = self.url_open(
            f"/my/payment_plans/{self.other_plan.id}/accept",
            data={"csrf_token": http.Request.csrf_token(self)},
        )
        self.assertTrue(response.url.endswith("/my"), response.url)
        self.assertFalse(self.other_plan.accepted_date)
