"""A collections manager opens the dashboard in Chromium: KPIs, goals, details."""

from datetime import date, timedelta

from odoo.tests import HttpCase, tagged

from .common import CollectionsCase


@tagged("post_install", "-at_install")
class TestDashboardTour(CollectionsCase, HttpCase):
    # the browser runs on the real clock: fixtures are relative to today
    freeze_date = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = date.today()
        customer = cls._customer("Dashboard Customer")
        cls._invoice(customer, 800.0, today - timedelta(days=20), today.replace(day=1))
        cls.Case._sync_cases(companies=cls.company)
        cls.Case.search([("partner_id", "=", customer.id)]).user_id = cls.collector
        cls.env["collection.goal"].create(
            {
                "name": "Tour Goal",
                "metric": "dso",
                "target_value": 30.0,
                "date_start": today - timedelta(days=10),
                "date_deadline": today + timedelta(days=60),
            }
        )

    def test_manager_opens_the_dashboard(self):
        self.start_tour("/odoo", "collections_mgmt_dashboard", login="colmanager")
