"""Fair treatment: every automated action held back or skipped says why."""

from datetime import date, datetime, timedelta
from unittest import TestCase

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.collections_mgmt.lib import fair_treatment

from .common import CollectionsCase

DUE = date(2026, 5, 1)


def at(days, hour=10):
    return datetime.combine(DUE + timedelta(days=days), datetime.min.time()).replace(
        hour=hour
    )


class TestFairTreatmentRules(TestCase):
    """The pure rules, without a database."""

    def test_contact_window_in_the_partner_time_zone(self):
        noon_utc = datetime(2026, 6, 1, 12, 0)
        self.assertTrue(
            fair_treatment.in_contact_window(noon_utc, "Europe/Brussels", 8, 21)
        )
        # 12:00 UTC is 05:00 in Los Angeles (PDT)
        self.assertFalse(
            fair_treatment.in_contact_window(noon_utc, "America/Los_Angeles", 8, 21)
        )
        self.assertTrue(fair_treatment.in_contact_window(noon_utc, "not/a_zone", 8, 21))

    def test_window_across_midnight(self):
        self.assertTrue(
            fair_treatment.in_contact_window(datetime(2026, 6, 1, 23), "UTC", 22, 6)
        )
        self.assertFalse(
            fair_treatment.in_contact_window(datetime(2026, 6, 1, 12), "UTC", 22, 6)
        )

    def test_caps_and_cooldown(self):
        now = datetime(2026, 6, 1, 12)
        self.assertEqual(
            fair_treatment.check_email(now, "UTC", (8, 21), 2, 2)[0], "email_cap"
        )
        self.assertIsNone(fair_treatment.check_email(now, "UTC", (8, 21), 1, 2))
        self.assertIsNone(fair_treatment.check_email(now, "UTC", None, 5, 0), "no cap")
        self.assertEqual(
            fair_treatment.check_call(now, "UTC", (8, 21), 7, 7, None, 7)[0], "call_cap"
        )
        reached = now - timedelta(days=3)
        self.assertEqual(
            fair_treatment.check_call(now, "UTC", (8, 21), 1, 7, reached, 7)[0],
            "call_cooldown",
        )
        self.assertIsNone(
            fair_treatment.check_call(
                now, "UTC", (8, 21), 1, 7, now - timedelta(days=8), 7
            )
        )


@tagged("post_install", "-at_install")
class TestFairTreatmentRun(CollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["collection.daily.run"]
        cls.Comm = cls.env["collection.communication"]
        cls.company.partner_id.tz = "UTC"
        cls.customer = cls._customer("Fairbanks", tz="America/New_York")
        cls.customer.with_company(cls.company).collection_user_id = cls.collector
        cls.invoice = cls._invoice(
            cls.customer, 500.0, DUE, invoice_date=DUE - timedelta(30)
        )

    def _run(self, moment):
        with freeze_time(moment):
            return self.Run._run(companies=self.company)

    def _comms(self):
        return self.Comm.search([("partner_id", "=", self.customer.id)], order="id")

    def _case(self):
        return self.Case.search([("partner_id", "=", self.customer.id)])

    def test_email_waits_for_the_contact_window(self):
        self._run(at(2, hour=10))  # 06:00 in New York
        comm = self._comms()
        self.assertEqual(comm.state, "deferred")
        self.assertIn("Outside the contact window", comm.reason)
        self.assertFalse(comm.mail_id)
        self._run(at(2, hour=15))  # 11:00 in New York
        self.assertEqual(self._comms(), comm, "the same action, not a new one")
        self.assertEqual(comm.state, "queued")
        self.assertTrue(comm.mail_id)

    def test_email_cap_per_seven_days(self):
        self.company.collection_max_emails_7d = 1
        self._run(at(14, hour=15))
        first = self._comms()
        self.assertEqual(first.state, "queued")
        self._run(at(15, hour=15))  # second reminder, one day after the first
        second = self._comms() - first
        self.assertEqual(second.state, "deferred")
        self.assertIn("Email cap reached", second.reason)
        self._run(at(22, hour=15))
        self.assertEqual(second.state, "queued")

    def test_call_caps_and_cooldown(self):
        self.Case._sync_cases(companies=self.company)
        case = self._case()
        case.stage_id = self.env.ref("collections_mgmt.collection_stage_final_notice")
        for day in range(40, 47):
            with freeze_time(at(day, hour=15)):
                self.env["collection.case.log.call"].create(
                    {"case_id": case.id, "outcome": "no_answer"}
                ).action_log()
        self._run(at(46, hour=16))
        call = self._comms().filtered(
            lambda c: c.channel == "phone" and c.origin == "auto"
        )
        self.assertEqual(call.state, "deferred")
        self.assertIn("Call cap reached", call.reason)

    def test_no_call_task_within_a_week_of_a_conversation(self):
        self.Case._sync_cases(companies=self.company)
        case = self._case()
        with freeze_time(at(43, hour=15)):
            self.env["collection.case.log.call"].create(
                {"case_id": case.id, "outcome": "reached"}
            ).action_log()
        self._run(at(46, hour=16))
        call = self._comms().filtered(
            lambda c: c.channel == "phone" and c.origin == "auto"
        )
        self.assertEqual(call.state, "deferred")
        self.assertIn("was reached", call.reason)
        self._run(at(51, hour=16))
        self.assertEqual(call.state, "queued")
        self.assertTrue(call.activity_id)

    def test_do_not_contact_blocks_automated_contact(self):
        self.customer.write(
            {
                "collection_do_not_contact": True,
                "collection_do_not_contact_reason": "Lawyer",
            }
        )
        self._run(at(2, hour=15))
        comm = self._comms()
        self.assertEqual(comm.state, "skipped")
        self.assertIn("Do not contact: Lawyer", comm.reason)
        self.assertFalse(comm.mail_id)

    def test_blacklisted_email_is_skipped(self):
        self.env["mail.blacklist"]._add(self.customer.email)
        self._run(at(2, hour=15))
        comm = self._comms()
        self.assertEqual(comm.state, "skipped")
        self.assertIn("blacklist", comm.reason)

    def test_optout_link_blacklists_the_address(self):
        token = self.customer._collections_optout_token()
        self.assertIn(token, self.customer._collections_optout_url())
        self.assertNotEqual(token, self._customer("Other")._collections_optout_token())

    def test_disputed_invoice_left_out_and_case_paused(self):
        other = self._invoice(self.customer, 300.0, DUE + timedelta(days=5))
        self.Case._sync_cases(companies=self.company)
        case = self._case()
        with freeze_time(at(20, hour=15)):
            self.env["collection.case.log.call"].create(
                {
                    "case_id": case.id,
                    "outcome": "dispute",
                    "invoice_ids": [(6, 0, self.invoice.ids)],
                    "dispute_reason": "Goods damaged",
                }
            ).action_log()
        self.assertTrue(self.invoice.collection_excluded)
        self.assertEqual(self.invoice.collection_excluded_reason, "Goods damaged")
        self.assertEqual(
            case.stage_id, self.env.ref("collections_mgmt.collection_stage_dispute")
        )
        self.assertAlmostEqual(
            case.amount_overdue, 300.0, msg="disputed amount left out"
        )
        ack = case.message_ids.filtered(
            lambda m: "looking into your query" in (m.subject or "")
        )
        self.assertTrue(ack, "the dispute acknowledgement went out")
        self._run(at(21, hour=15))
        self._run(at(22, hour=15))
        auto = self._comms().filtered(lambda c: c.origin == "auto")
        self.assertEqual(len(auto), 1, "paused: recorded once, nothing sent")
        self.assertEqual(auto.state, "skipped")
        self.assertIn("Dispute", auto.reason)
        self.assertNotIn(self.invoice, auto.invoice_ids)
        self.assertIn(other, case.overdue_invoice_ids)

    def test_manual_reminder_refused_with_the_reason(self):
        self.customer.write(
            {
                "collection_do_not_contact": True,
                "collection_do_not_contact_reason": "Lawyer",
            }
        )
        self.Case._sync_cases(companies=self.company)
        case = self._case()
        with freeze_time(at(3, hour=15)), self.assertRaisesRegex(Exception, "Lawyer"):
            case.action_send_reminder()
        self.assertFalse(self._comms(), "nothing half-done")

    def test_promise_recorded_from_a_call(self):
        self.Case._sync_cases(companies=self.company)
        case = self._case()
        with freeze_time(at(20, hour=15)):
            self.env["collection.case.log.call"].create(
                {
                    "case_id": case.id,
                    "outcome": "promise",
                    "promise_date": DUE + timedelta(days=30),
                    "promise_amount": 200.0,
                }
            ).action_log()
        self.assertEqual(
            case.stage_id, self.env.ref("collections_mgmt.collection_stage_promise")
        )
        promise = self.env["collection.promise"].search([("case_id", "=", case.id)])
        self.assertEqual(promise.date, DUE + timedelta(days=30))
        self.assertEqual(promise.amount, 200.0)
        self.assertEqual(promise.state, "pending")
