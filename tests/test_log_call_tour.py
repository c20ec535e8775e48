"""A collector logs a call from the case form, in Chromium."""

from datetime import date, timedelta

from odoo.tests import HttpCase, tagged

from .common import CollectionsCase


@tagged("post_install", "-at_install")
class TestLogCallTour(CollectionsCase, HttpCase):
    freeze_date = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Tour Caller")
        cls._invoice(cls.customer, 800.0, date.today() - timedelta(days=50))
        cls.Case._sync_cases(companies=cls.company)

    def test_collector_logs_a_call(self):
        self.start_tour("/odoo", "collections_mgmt_log_call", login="collector")
        comm = self.env["collection.communication"].search(
            [("partner_id", "=", self.customer.id), ("origin", "=", "manual")]
        )
        self.assertEqual(comm.call_outcome, "no_answer")
        self.assertEqual(comm.user_id, self.collector)
        self.assertEqual(comm.state, "done")
