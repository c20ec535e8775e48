"""Payment plan emails are collection communications under the fair-treatment rules."""

from datetime import timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import TODAY
from .common_payment_plan import PaymentPlanCase

# inside the 8:00-21:00 contact window (UTC customer), and outside it
MORNING = "2026-06-30 10:00:00"
NIGHT = "2026-06-30 03:00:00"


@tagged("post_install", "-at_install")
class TestPaymentPlanCommunication(PaymentPlanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Comm = cls.env["collection.communication"]
        cls.company.write(
            {
                "collection_enforce_contact_window": True,
                "collection_contact_hour_start": 8.0,
                "collection_contact_hour_end": 21.0,
                "collection_max_emails_7d": 2,
            }
        )
        cls.customer.tz = "UTC"

    def _comms(self, plan, event=None):
        domain = [("plan_id", "=", plan.id)]
        if event:
            domain.append(("plan_event", "=", event))
        return self.Comm.search(domain, order="id")

    def _activate(self, at=MORNING, **values):
        with freeze_time(at):
            plan = self._plan(**values)
            plan.with_user(self.collector).action_activate()
        return plan

    def _daily_run(self, at):
        with freeze_time(at):
            return self.env["collection.daily.run"]._run(companies=self.company)

    def test_plan_email_is_a_communication_linked_to_plan_and_mail(self):
        plan = self._activate()
        comm = self._comms(plan)
        self.assertEqual(len(comm), 1)
        self.assertEqual(
            (comm.origin, comm.plan_event, comm.channel, comm.state),
            ("plan", "confirmation", "email", "queued"),
        )
        self.assertEqual(comm.case_id, self.case)
        self.assertEqual(comm.plan_revision, 1)
        self.assertFalse(comm.plan_line_id)
        self.assertEqual(comm.invoice_ids, self.invoice_a | self.invoice_b)
        mails = self._queued_mails(
            plan, "collections_mgmt.mail_template_payment_plan_confirmation"
        )
        self.assertEqual(comm.mail_id, mails)
        self.assertIn(self.customer, comm.mail_id.recipient_ids)
        self.assertEqual(comm.message_id.res_id, plan.id)
        self.assertEqual(comm.message_id.model, plan._name)
        # the case waits in the payment plan stage (automation paused): the
        # confirmation the collector's act sends is not held back by it
        self.assertEqual(self.case.stage_id.kind, "manual")
        self.assertIn(comm, self.case.communication_ids)

    def test_do_not_contact_skips_plan_emails_with_the_reason(self):
        self.customer.write(
            {
                "collection_do_not_contact": True,
                "collection_do_not_contact_reason": "Represented by a lawyer",
            }
        )
        plan = self._activate()
        self.assertEqual(plan.state, "active", "the plan itself goes on")
        comm = self._comms(plan)
        self.assertEqual(comm.state, "skipped")
        self.assertIn("Represented by a lawyer", comm.reason)
        self.assertFalse(comm.mail_id)
        self.assertFalse(
            self._queued_mails(
                plan, "collections_mgmt.mail_template_payment_plan_confirmation"
            )
        )

    def test_blacklisted_email_is_skipped(self):
        self.env["mail.blacklist"].sudo()._add(self.customer.email)
        plan = self._activate()
        comm = self._comms(plan)
        self.assertEqual(comm.state, "skipped")
        self.assertIn("blacklist", comm.reason)
        self.assertFalse(comm.mail_id)

    def test_missing_email_fails_and_is_logged_on_the_plan(self):
        self.customer.email = False
        plan = self._activate()
        comm = self._comms(plan)
        self.assertEqual(comm.state, "failed")
        self.assertIn("no email address", comm.reason)
        self.assertFalse(comm.mail_id)
        self.assertIn(comm.reason, plan.message_ids.mapped("preview"))

    def test_outside_window_waits_for_a_run_inside_the_window(self):
        plan = self._activate(at=NIGHT, date_first_due=TODAY + timedelta(days=20))
        comm = self._comms(plan)
        self.assertEqual(comm.state, "deferred")
        self.assertIn("Outside the contact window", comm.reason)
        self.assertFalse(comm.mail_id)
        # a run still at night: waits again
        self._daily_run("2026-06-30 04:00:00")
        self.assertEqual(comm.state, "deferred")
        # the daily run inside the window sends it, once
        self._daily_run(MORNING)
        self.assertEqual(self._comms(plan), comm)
        self.assertEqual(comm.state, "queued")
        self.assertFalse(comm.reason)
        self.assertTrue(comm.mail_id)
        self._daily_run("2026-06-30 11:00:00")
        self.assertEqual(self._comms(plan), comm)
        self.assertEqual(
            len(
                self._queued_mails(
                    plan, "collections_mgmt.mail_template_payment_plan_confirmation"
                )
            ),
            1,
        )

    def test_email_cap_defers_then_sends_when_the_week_has_passed(self):
        self.company.collection_max_emails_7d = 1
        plan = self._activate(date_first_due=TODAY + timedelta(days=10))
        self.assertEqual(self._comms(plan, "confirmation").state, "queued")
        # reminder due 3 days before the first instalment: the confirmation of
        # 30 June 10:00 is less than 7 days old
        self._daily_run("2026-07-07 10:00:00")
        reminder = self._comms(plan, "reminder")
        self.assertEqual(reminder.plan_line_id, plan.line_ids[0])
        self.assertEqual(reminder.state, "deferred")
        self.assertIn("Email cap reached", reminder.reason)
        self._daily_run("2026-07-07 10:00:00")  # a rerun: still within the week
        self.assertEqual(reminder.state, "deferred")
        self._daily_run("2026-07-08 10:00:00")
        self.assertEqual(reminder.state, "queued")
        self.assertTrue(reminder.mail_id)
        self.assertEqual(self._comms(plan, "reminder"), reminder)

    def test_each_instalment_reminded_once_whatever_the_reruns(self):
        self.company.collection_max_emails_7d = 0
        plan = self._activate(
            date_first_due=TODAY + timedelta(days=5), frequency="weekly"
        )
        for day in ("2026-07-02", "2026-07-03", "2026-07-04"):
            self._daily_run(f"{day} 10:00:00")
            self._daily_run(f"{day} 12:00:00")
        with freeze_time("2026-07-05 09:00:00"):
            self._pay(self.invoice_b, 300.0)
        for day in ("2026-07-09", "2026-07-10"):
            self._daily_run(f"{day} 10:00:00")
        reminders = self._comms(plan, "reminder")
        self.assertEqual(reminders.plan_line_id, plan.line_ids[:2])
        self.assertEqual(set(reminders.mapped("state")), {"queued"})
        self.assertEqual(len(reminders.mail_id), 2)
        self.assertEqual(len(self._comms(plan, "confirmation")), 1)
        # the index refuses a second reminder of the same instalment
        values = reminders[0].copy_data()[0]
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.Comm.create(values)
                self.env.flush_all()

    def test_plan_emails_wait_while_the_case_is_paused_elsewhere(self):
        plan = self._activate(date_first_due=TODAY + timedelta(days=10))
        # a collector moved the case to another paused stage (a dispute)
        self.case.stage_id = self.env.ref("collections_mgmt.collection_stage_dispute")
        self._daily_run("2026-07-07 10:00:00")
        reminder = self._comms(plan, "reminder")
        self.assertEqual(reminder.state, "skipped")
        self.assertIn("Automation paused", reminder.reason)

    def test_missed_broken_and_done_emails_are_communications(self):
        self.company.collection_max_emails_7d = 0
        plan = self._activate()
        self._daily_run("2026-07-02 10:00:00")  # first instalment late
        missed = self._comms(plan, "missed")
        self.assertEqual(missed.plan_line_id, plan.line_ids[0])
        self.assertEqual(missed.state, "queued")
        self._daily_run("2026-07-07 10:00:00")  # missed after the grace days
        self.assertEqual(plan.state, "broken")
        broken = self._comms(plan, "broken")
        self.assertEqual(broken.state, "queued")
        self.assertTrue(broken.mail_id)
        self._daily_run("2026-07-08 10:00:00")
        self.assertEqual(len(self._comms(plan)), 3)  # confirmation, missed, broken

    def test_completed_plan_email_is_a_communication(self):
        plan = self._activate(invoices=self.invoice_b, instalment_count=1)
        self._pay(self.invoice_b, 300.0)
        self._daily_run("2026-06-30 12:00:00")
        self.assertEqual(plan.state, "done")
        done = self._comms(plan, "done")
        self.assertEqual(done.state, "queued")
        self.assertTrue(done.mail_id)
        self.assertEqual(self.case.stage_id, self.resolved_stage)

    def test_waiting_email_of_a_plan_that_moved_on_is_skipped(self):
        self.company.collection_plan_approval_amount = 500.0
        with freeze_time(NIGHT):
            plan = self._plan()
            plan.with_user(self.collector).action_submit()
        proposal = self._comms(plan, "proposal")
        self.assertEqual(proposal.state, "deferred")
        with freeze_time(NIGHT):
            plan.with_user(self.collections_manager).action_approve()
        self._daily_run(MORNING)
        self.assertEqual(proposal.state, "skipped")
        self.assertIn("No longer relevant", proposal.reason)
        self.assertEqual(self._comms(plan, "confirmation").state, "queued")

    def test_plan_proposed_again_gets_its_emails_again(self):
        self.company.collection_plan_approval_amount = 500.0
        with freeze_time(MORNING):
            plan = self._plan()
            plan.with_user(self.collector).action_submit()
            plan.with_user(self.collector).action_cancel()
            plan.with_user(self.collector).action_draft()
            plan.with_user(self.collector).action_submit()
        proposals = self._comms(plan, "proposal")
        self.assertEqual(proposals.mapped("plan_revision"), [1, 2])
        self.assertEqual(set(proposals.mapped("state")), {"queued"})

    def test_emails_of_many_plans_rendered_in_one_batch(self):
        self.company.collection_max_emails_7d = 0
        plans = self.Plan
        for index in range(3):
            customer = self._customer(f"Batch Customer {index}", tz="UTC")
            invoice = self._invoice(customer, 100.0, TODAY - timedelta(days=5))
            self.Case._sync_cases(companies=self.company, partners=customer)
            case = self.Case.search([("partner_id", "=", customer.id)])
            plans |= self._plan(invoices=invoice, case=case, instalment_count=1)
        Composer = self.env["mail.compose.message"].sudo()
        composers = Composer.search_count([])
        with freeze_time(MORNING):
            plans.with_user(self.collector).action_activate()
        self.assertEqual(
            Composer.search_count([]) - composers,
            1,
            "one composer for the three confirmations",
        )
        comms = self.Comm.search([("plan_id", "in", plans.ids)])
        self.assertEqual(len(comms), 3)
        self.assertEqual(len(comms.mail_id), 3)
        self.assertEqual(comms.plan_id, plans)
