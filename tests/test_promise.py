"""Promises to pay: noted from the case, kept when paid by the date, broken otherwise."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import TODAY
from .common_payment_plan import PaymentPlanCase


@tagged("post_install", "-at_install")
class TestPromise(PaymentPlanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Promise = cls.env["collection.promise"]
        cls.promise_stage = cls.env.ref("collections_mgmt.collection_stage_promise")
        cls.company.collection_promise_grace_days = 2

    def _promise(self, amount=500.0, day=None, note=None):
        case = self.case.with_user(self.collector)
        return case._create_promise(day or TODAY + timedelta(days=6), amount, note=note)

    def _track(self, day):
        with freeze_time(day):
            return self.Promise._cron_track_promises(companies=self.company)

    def test_create_promise_moves_case_and_remembers_invoices(self):
        promise = self._promise(note="Will pay on Friday")
        self.assertEqual(promise.state, "pending")
        self.assertEqual(promise.partner_id, self.customer)
        self.assertEqual(promise.company_id, self.company)
        self.assertEqual(promise.currency_id, self.company.currency_id)
        self.assertEqual(promise.user_id, self.collector)
        self.assertEqual(promise.grace_days, 2)
        self.assertEqual(promise.invoice_ids, self.invoice_a | self.invoice_b)
        self.assertEqual(promise.amount_residual_start, 900.0)
        self.assertEqual(self.case.stage_id, self.promise_stage)
        self.assertIn("Promise to pay", self.case.message_ids[0].body)
        self.assertEqual(self.case.promise_count, 1)

    def test_kept_when_amount_paid_by_date(self):
        promise = self._promise()
        self._pay(self.invoice_a, 300.0)
        self._track("2026-07-02")
        self.assertEqual(promise.state, "pending")
        self.assertEqual(promise.amount_paid, 300.0)
        with freeze_time("2026-07-03"):
            self._pay(self.invoice_b, 200.0, pay_date=date(2026, 7, 3))
        result = self._track("2026-07-03")
        self.assertEqual(promise.state, "kept")
        self.assertEqual(result["kept"], promise)
        self.assertEqual(promise.kept_date, date(2026, 7, 3))
        self.assertEqual(self.case.stage_id, self.first_ladder_stage)
        self.assertEqual(self.customer.collection_kept_promise_count, 1)

    def test_kept_when_paid_within_grace_days(self):
        promise = self._promise()
        self._track("2026-07-06")  # the promised date, unpaid
        self.assertEqual(promise.state, "pending")
        with freeze_time("2026-07-07"):
            self._pay(self.invoice_a, 500.0, pay_date=date(2026, 7, 7))
        self._track("2026-07-07")
        self.assertEqual(promise.state, "kept")

    def test_broken_after_date_and_grace(self):
        promise = self._promise()
        self._pay(self.invoice_a, 100.0)
        self._track("2026-07-07")  # promised date + 1, within grace
        self.assertEqual(promise.state, "pending")
        self._track("2026-07-08")  # still within the two grace days
        self.assertEqual(promise.state, "pending")
        result = self._track("2026-07-09")
        self.assertEqual(promise.state, "broken")
        self.assertEqual(result["broken"], promise)
        self.assertEqual(promise.amount_paid, 100.0)
        self.assertEqual(self.case.stage_id, self.first_ladder_stage)
        self.assertIn("was broken", self.case.message_ids[0].body)
        self.assertEqual(self.customer.collection_broken_promise_count, 1)

    def test_tracking_is_rerunnable(self):
        promise = self._promise()
        self._track("2026-07-09")
        messages = len(self.case.message_ids)
        result = self._track("2026-07-10")
        self.assertEqual(promise.state, "broken")
        self.assertFalse(result["broken"])
        self.assertEqual(len(self.case.message_ids), messages)

    def test_broken_promise_leaves_case_moved_elsewhere(self):
        self._promise()
        self.case.stage_id = self.plan_stage
        self._track("2026-07-09")
        self.assertEqual(self.case.stage_id, self.plan_stage)

    def test_new_promise_supersedes_pending_one(self):
        first = self._promise(amount=100.0)
        second = self._promise(amount=200.0, day=TODAY + timedelta(days=10))
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(second.state, "pending")

    def test_bad_input_refused_and_nothing_created(self):
        stage = self.case.stage_id
        for amount, day, pattern in [
            (0.0, TODAY + timedelta(days=3), "positive"),
            (-50.0, TODAY + timedelta(days=3), "positive"),
            (100.0, TODAY - timedelta(days=1), "past"),
        ]:
            with self.subTest(amount=amount, day=day):
                with self.assertRaises(ValidationError) as caught:
                    self._promise(amount=amount, day=day)
                self.assertRegex(str(caught.exception), pattern)
                self.assertFalse(self.Promise.search([("case_id", "=", self.case.id)]))
                self.assertEqual(self.case.stage_id, stage)

    def test_promise_from_case_button(self):
        action = self.case.with_user(self.collector).action_new_promise()
        promise = (
            self.Promise.with_user(self.collector)
            .with_context(action["context"])
            .create({"date": TODAY + timedelta(days=3), "amount": 250.0})
        )
        self.assertEqual(promise.case_id, self.case)
        self.assertEqual(self.case.stage_id, self.promise_stage)
