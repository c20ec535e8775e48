"""The three users' main journeys in Chromium: collector, manager, admin.

With ``COLLECTIONS_SCREENSHOTS=<dir>`` (``make screenshots``), the tours' screenshot
steps save PNGs of the main screens there; without it they take none and cost nothing.
"""

import base64
import os
import pathlib
from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

from .common import CollectionsCase

SCREENSHOTS = os.environ.get("COLLECTIONS_SCREENSHOTS")
MARKER = "collections_mgmt screenshot "
_handle_console = ChromeBrowser._handle_console


def _handle_console_taking_screenshots(browser, **params):
    """ChromeBrowser's console handler, plus: a marker line saves a screenshot."""
    args = params.get("args")
    if params.get("type") == "log" and args:
        text = str(browser._from_remoteobject(args[0]))
        if text.startswith(MARKER):
            path = pathlib.Path(SCREENSHOTS) / f"{text[len(MARKER) :].strip()}.png"

            def save(future):
                path.write_bytes(base64.b64decode(future.result()["data"]))

            browser._websocket_send(
                "Page.captureScreenshot", params={"format": "png"}, with_future=True
            ).add_done_callback(save)
    return _handle_console(browser, **params)


@tagged("post_install", "-at_install")
class TestJourneyTours(CollectionsCase, HttpCase):
    # the browser runs on the real clock: fixtures are relative to today
    freeze_date = None
    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = date.today()
        cls.company.collection_enforce_contact_window = False
        cls.admin = new_test_user(
            cls.env,
            login="coladmin",
            name="Adam Admin",
            groups="base.group_user,base.group_system,"
            "collections_mgmt.group_collections_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.alpha = cls._customer("Journey Alpha")
        cls._invoice(cls.alpha, 9000.0, today - timedelta(days=75))
        cls.beta = cls._customer("Journey Beta")
        cls._invoice(cls.beta, 3000.0, today - timedelta(days=40))
        cls.gamma = cls._customer("Journey Gamma")
        cls._invoice(cls.gamma, 500.0, today - timedelta(days=10))
        cls.epsilon = cls._customer("Journey Epsilon")
        cls._invoice(cls.epsilon, 1200.0, today - timedelta(days=20))
        cls.Case._sync_cases(companies=cls.company)
        cls._set_priorities()
        # where yesterday's run left them; today's run (admin journey) moves Alpha on
        ref = cls.env.ref
        for partner, stage in (
            (cls.alpha, "collection_stage_call"),
            (cls.beta, "collection_stage_final_notice"),
            (cls.epsilon, "collection_stage_second_reminder"),
        ):
            cls._case(partner).stage_id = ref(f"collections_mgmt.{stage}")
        cls.case_alpha = cls._case(cls.alpha)
        cls.case_alpha.user_id = cls.collector
        cls.case_alpha.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=today + timedelta(days=2),
            summary="Call back about the 9,000",
            user_id=cls.collector.id,
        )

    @classmethod
    def _case(cls, partner):
        return cls.Case.search([("partner_id", "=", partner.id)])

    @classmethod
    def _set_priorities(cls):
        """Alpha high, Beta medium, Gamma low, whatever the score formula gives."""
        cls.Case._refresh_priority_scores(cls.company)
        alpha, beta, gamma = (
            cls._case(p).priority_score for p in (cls.alpha, cls.beta, cls.gamma)
        )
        cls.company.write(
            {
                "collection_priority_high_threshold": (alpha + beta) / 2,
                "collection_priority_medium_threshold": (beta + gamma) / 2,
            }
        )
        cls.Case._refresh_priority_scores(cls.company)

    def _journey(self, tour, login):
        if not SCREENSHOTS:
            return self.start_tour("/odoo", tour, login=login)
        pathlib.Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        with patch.object(
            ChromeBrowser, "_handle_console", _handle_console_taking_screenshots
        ):
            return self.start_tour(
                "/odoo",
                tour,
                login=login,
                cookies={"collections_mgmt_screenshots": "1"},
            )

    def test_collector_works_the_worklist_and_logs_a_call(self):
        self.assertEqual(
            [self._case(p).priority for p in (self.alpha, self.beta, self.gamma)],
            ["high", "medium", "low"],
        )
        self._journey("collections_mgmt_collector_journey", "collector")
        comm = self.env["collection.communication"].search(
            [("partner_id", "=", self.alpha.id), ("origin", "=", "manual")]
        )
        self.assertEqual(comm.call_outcome, "no_answer")
        self.assertEqual(comm.user_id, self.collector)
        self.assertEqual(comm.state, "done")

    def test_manager_approves_one_plan_and_rejects_another(self):
        self.company.collection_plan_approval_amount = 1000.0
        Plan = self.env["collection.payment.plan"].with_user(self.collector)
        plans = Plan.browse()
        for name in ("Journey Approve", "Journey Reject"):
            customer = self._customer(name)
            self._invoice(customer, 2400.0, date.today() - timedelta(days=35))
            self.Case._sync_cases(companies=self.company, partners=customer)
            plans |= Plan.create(
                {
                    "case_id": self._case(customer).id,
                    "invoice_ids": [
                        Command.set(
                            self.env["account.move"]
                            .search([("partner_id", "=", customer.id)])
                            .ids
                        )
                    ],
                    "instalment_count": 12,
                    "frequency": "monthly",
                    "date_first_due": date.today() + timedelta(days=7),
                }
            )
        plans.action_submit()
        self.assertEqual(set(plans.mapped("state")), {"to_approve"})

        self._journey("collections_mgmt_manager_reviews_plans", "colmanager")
        approved, rejected = plans
        self.assertEqual(approved.state, "active")
        self.assertEqual(approved.approved_by_id, self.collections_manager)
        self.assertEqual(rejected.state, "rejected")
        self.assertEqual(
            rejected.rejected_reason,
            "Twelve instalments is too long for this customer",
        )

    def test_admin_configures_a_stage_and_runs_the_daily_run(self):
        stage = self.env.ref("collections_mgmt.collection_stage_second_reminder")
        # the month's sales and a goal, for the dashboard at the end of the journey
        today = date.today()
        sold = self._invoice(
            self._customer("Journey Delta"),
            1500.0,
            today + timedelta(days=30),
            invoice_date=today,
        )
        self._pay(sold, 500.0)
        self.env["collection.goal"].create(
            {
                "name": "DSO under 45 days",
                "metric": "dso",
                "target_value": 45.0,
                "date_start": today - timedelta(days=10),
                "date_deadline": today + timedelta(days=80),
            }
        )
        self._journey("collections_mgmt_admin_configures_and_runs", "coladmin")
        self.assertEqual(stage.min_days_overdue, 20)
        run = self.env["collection.run"].search([("kind", "=", "daily")])
        self.assertEqual((run.state, run.user_id), ("queued", self.admin))
        cron = self.env.ref("collections_mgmt.ir_cron_collection_daily_run")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))

        # what the cron worker does when the trigger fires
        self.env["collection.daily.run"]._run(companies=self.company)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.case_done, 4)
        self.assertGreater(run.queued_count, 0)
        self.assertEqual(
            self._case(self.alpha).stage_id,
            self.env.ref("collections_mgmt.collection_stage_escalated"),
        )
        self._journey("collections_mgmt_admin_follows_the_run", "coladmin")
