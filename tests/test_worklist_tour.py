"""A collector walks from the worklist to a case and to its invoices, in Chromium."""

from datetime import date, timedelta

from odoo.tests import HttpCase, tagged

from .common import CollectionsCase


@tagged("post_install", "-at_install")
class TestWorklistTour(CollectionsCase, HttpCase):
    # the browser runs on the real clock: fixtures are relative to today
    freeze_date = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = date.today()
        customer = cls._customer("Tour Customer")
        cls.invoice = cls._invoice(customer, 1234.0, today - timedelta(days=35))
        cls._invoice(cls._customer("Other Customer"), 50.0, today - timedelta(days=3))
        cls.Case._sync_cases(companies=cls.company)

    def test_collector_walks_worklist_to_case_to_invoices(self):
        self.start_tour(
            "/odoo", "collections_mgmt_worklist_to_invoices", login="collector"
        )
