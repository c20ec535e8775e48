"""Payment plans: schedules, approval and four-eyes, tracking, settlement, bad input."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import TODAY
from .common_payment_plan import PaymentPlanCase


@tagged("post_install", "-at_install")
class TestPaymentPlanSchedule(PaymentPlanCase):
    def test_schedule_generated_equal_monthly_instalments(self):
        plan = self._plan()
        self.assertTrue(plan.name.startswith("PLAN/"))
        self.assertEqual(plan.amount_total, 900.0)
        self.assertEqual(plan.currency_id, self.company.currency_id)
        self.assertEqual(plan.line_ids.mapped("amount"), [300.0, 300.0, 300.0])
        self.assertEqual(
            plan.line_ids.mapped("date_due"),
            [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)],
        )
        self.assertEqual(set(plan.line_ids.mapped("state")), {"pending"})

    def test_rounding_remainder_on_last_instalment(self):
        plan = self._plan(instalment_count=7)
        self.assertEqual(plan.line_ids[:6].mapped("amount"), [128.57] * 6)
        self.assertAlmostEqual(plan.line_ids[-1].amount, 128.58)
        self.assertAlmostEqual(plan.amount_scheduled, 900.0)

    def test_changing_terms_in_draft_regenerates_schedule(self):
        plan = self._plan()
        plan.write(
            {"instalment_count": 2, "frequency": "weekly", "down_payment": 100.0}
        )
        self.assertEqual(plan.line_ids.mapped("amount"), [100.0, 400.0, 400.0])
        self.assertEqual(
            plan.line_ids.mapped("date_due"),
            [date(2026, 7, 1), date(2026, 7, 8), date(2026, 7, 15)],
        )

    def test_settlement_schedule_sums_to_settlement_amount(self):
        plan = self._plan(settlement_amount=600.0, instalment_count=4)
        self.assertEqual(plan.amount_target, 600.0)
        self.assertEqual(plan.line_ids.mapped("amount"), [150.0] * 4)

    def test_zero_decimal_currency(self):
        yen = self.setup_other_currency(
            "JPY", rounding=1.0, rates=[("2000-01-01", 150.0)]
        )
        invoice = self._invoice(self.customer, 10000.0, TODAY, currency=yen)
        plan = self._plan(invoices=invoice)
        self.assertEqual(plan.currency_id, yen)
        self.assertEqual(plan.line_ids.mapped("amount"), [3333.0, 3333.0, 3334.0])

    def test_three_decimal_currency(self):
        kwd = self.setup_other_currency(
            "KWD", rounding=0.001, rates=[("2000-01-01", 0.3)]
        )
        invoice = self._invoice(self.customer, 10.0, TODAY, currency=kwd)
        plan = self._plan(invoices=invoice)
        self.assertEqual(plan.line_ids.mapped("amount"), [3.333, 3.333, 3.334])

    def test_collector_edits_schedule_and_sum_is_checked(self):
        plan = self._plan()
        first, second, third = plan.line_ids
        plan.write(
            {
                "line_ids": [
                    Command.update(first.id, {"amount": 500.0}),
                    Command.update(second.id, {"date_due": date(2026, 7, 15)}),
                    Command.update(third.id, {"amount": 300.0}),
                ]
            }
        )
        with self.assertRaisesRegex(ValidationError, "add up to"):
            plan.with_user(self.collector).action_activate()
        self.assertEqual(plan.state, "draft")
        third.amount = 100.0
        plan.with_user(self.collector).action_activate()
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.line_ids.mapped("amount"), [500.0, 300.0, 100.0])


@tagged("post_install", "-at_install")
class TestPaymentPlanApproval(PaymentPlanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_manager = new_test_user(
            cls.env,
            login="colmanager2",
            name="Otto Other Manager",
            groups="base.group_user,collections_mgmt.group_collections_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def test_collector_activates_plan_within_thresholds(self):
        plan = self._plan()
        self.assertFalse(plan.approval_required)
        plan.with_user(self.collector).action_activate()
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.submitted_by_id, self.collector)
        self.assertEqual(self.case.stage_id, self.plan_stage)
        self.assertTrue(self.case.stage_id.pause_automation)
        mails = self._queued_mails(
            plan, "collections_mgmt.mail_template_payment_plan_confirmation"
        )
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.state, "outgoing")
        self.assertIn(self.customer, mails.recipient_ids)
        self.assertIn("300.00", mails.body_html)

    def test_each_threshold_requires_approval(self):
        cases = {
            "total": {"collection_plan_approval_amount": 800.0},
            "instalments": {"collection_plan_approval_instalments": 2},
            "days": {"collection_plan_approval_days": 30},
        }
        for name, limits in cases.items():
            with self.subTest(threshold=name):
                saved = {key: self.company[key] for key in limits}
                self.company.write(limits)
                plan = self._plan()
                self.assertTrue(plan.approval_required)
                with self.assertRaisesRegex(UserError, "approval"):
                    plan.with_user(self.collector).action_activate()
                self.assertEqual(plan.state, "draft")
                plan.sudo().unlink()
                self.company.write(saved)

    def test_settlement_always_requires_approval(self):
        plan = self._plan(settlement_amount=800.0)
        self.assertTrue(plan.approval_required)
        self.assertIn("settlement", plan.approval_reasons)

    def test_submit_moves_case_and_queues_proposal(self):
        self.company.collection_plan_approval_amount = 500.0
        plan = self._plan()
        plan.with_user(self.collector).action_submit()
        self.assertEqual(plan.state, "to_approve")
        self.assertEqual(self.case.stage_id, self.plan_stage)
        self.assertEqual(
            len(
                self._queued_mails(
                    plan, "collections_mgmt.mail_template_payment_plan_proposal"
                )
            ),
            1,
        )

    def test_collector_cannot_approve(self):
        self.company.collection_plan_approval_amount = 500.0
        plan = self._plan()
        plan.with_user(self.collector).action_submit()
        with self.assertRaises(AccessError):
            plan.with_user(self.collector).action_approve()
        self.assertEqual(plan.state, "to_approve")

    def test_manager_cannot_approve_own_plan(self):
        self.company.collection_plan_approval_amount = 500.0
        plan = self._plan(user=self.collections_manager)
        plan.with_user(self.collections_manager).action_submit()
        with self.assertRaisesRegex(UserError, "another manager"):
            plan.with_user(self.collections_manager).action_approve()
        self.assertEqual(plan.state, "to_approve")

        plan.with_user(self.other_manager).action_approve()
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.approved_by_id, self.other_manager)

    def test_manager_cannot_approve_plan_they_submitted(self):
        self.company.collection_plan_approval_amount = 500.0
        plan = self._plan()
        plan.with_user(self.collections_manager).action_submit()
        with self.assertRaises(UserError):
            plan.with_user(self.collections_manager).action_approve()

    def test_self_approval_allowed_by_setting(self):
        self.company.write(
            {
                "collection_plan_approval_amount": 500.0,
                "collection_plan_self_approval": True,
            }
        )
        plan = self._plan(user=self.collections_manager)
        plan.with_user(self.collections_manager).action_submit()
        plan.with_user(self.collections_manager).action_approve()
        self.assertEqual(plan.state, "active")

    def test_transitions_logged_with_who(self):
        self.company.collection_plan_approval_amount = 500.0
        plan = self._plan().with_context(tracking_disable=False, mail_notrack=False)
        plan.with_user(self.collector).action_submit()
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written on commit
        plan.with_user(self.other_manager).action_approve()
        self.env.flush_all()
        self.env.cr.precommit.run()
        bodies = plan.message_ids.mapped("body")
        self.assertTrue(
            any("Submitted for approval by Carla Collector" in b for b in bodies)
        )
        self.assertTrue(any("Approved by Otto Other Manager" in b for b in bodies))
        tracked = plan.sudo().message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "state"
        )
        self.assertIn("Active", tracked.mapped("new_value_char"))
        approval_message = tracked.filtered(
            lambda t: t.new_value_char == "Active"
        ).mail_message_id
        self.assertEqual(approval_message.author_id, self.other_manager.partner_id)

    def test_reject_with_reason_returns_case_to_ladder(self):
        self.company.collection_plan_approval_amount = 500.0
        plan = self._plan()
        plan.with_user(self.collector).action_submit()
        action = plan.with_user(self.other_manager).action_open_reject()
        wizard = (
            self.env["collection.payment.plan.reject"]
            .with_user(self.other_manager)
            .with_context(action["context"])
            .create({"reason": "Too long for this customer"})
        )
        wizard.action_reject()
        self.assertEqual(plan.state, "rejected")
        self.assertEqual(plan.rejected_reason, "Too long for this customer")
        self.assertEqual(self.case.stage_id, self.first_ladder_stage)
        with self.assertRaises(UserError):
            plan.with_user(self.other_manager)._reject("  ")

    def test_collector_cannot_reject(self):
        self.company.collection_plan_approval_amount = 500.0
        plan = self._plan()
        plan.with_user(self.collector).action_submit()
        with self.assertRaises(AccessError):
            plan.with_user(self.collector)._reject("No")


@tagged("post_install", "-at_install")
class TestPaymentPlanTracking(PaymentPlanCase):
    def _active_plan(self, **values):
        plan = self._plan(**values)
        plan.with_user(self.collector).action_activate()
        return plan

    def _track(self, day=None):
        if day:
            with freeze_time(day):
                return self.Plan._cron_track_plans(companies=self.company)
        return self.Plan._cron_track_plans(companies=self.company)

    def test_partial_payment_allocated_in_due_date_order(self):
        plan = self._active_plan()
        self._pay(self.invoice_b, 300.0)
        self._pay(self.invoice_a, 150.0)
        self._track()
        self.assertEqual(plan.line_ids.mapped("amount_paid"), [300.0, 150.0, 0.0])
        self.assertEqual(plan.line_ids.mapped("state"), ["paid", "pending", "pending"])
        self.assertEqual(plan.state, "active")
        self.assertAlmostEqual(plan.amount_remaining, 450.0)

    def test_over_payment_pays_every_instalment_and_completes(self):
        plan = self._active_plan()
        # one payment on both invoices, more than the first instalment
        self._pay(self.invoice_a, 600.0)
        self._pay(self.invoice_b, 300.0)
        result = self._track()
        self.assertEqual(plan.line_ids.mapped("state"), ["paid"] * 3)
        self.assertEqual(plan.state, "done")
        self.assertEqual(result["done"], plan)
        self.assertEqual(self.case.stage_id, self.resolved_stage)
        self.assertEqual(
            len(
                self._queued_mails(
                    plan, "collections_mgmt.mail_template_payment_plan_done"
                )
            ),
            1,
        )

    def test_late_then_missed_breaks_plan(self):
        plan = self._active_plan()
        self._pay(self.invoice_a, 100.0)
        self._track("2026-07-01")
        self.assertEqual(plan.line_ids[0].state, "pending")

        self._track("2026-07-02")
        self.assertEqual(plan.line_ids[0].state, "late")
        self.assertEqual(plan.state, "active")
        missed = self._queued_mails(
            plan, "collections_mgmt.mail_template_payment_plan_missed"
        )
        self.assertEqual(len(missed), 1)
        # still within the five grace days
        self._track("2026-07-06")
        self.assertEqual(plan.state, "active")
        self.assertEqual(len(missed.search([("id", "in", missed.ids)])), 1)

        result = self._track("2026-07-07")
        self.assertEqual(plan.line_ids[0].state, "missed")
        self.assertEqual(plan.state, "broken")
        self.assertEqual(result["broken"], plan)
        self.assertEqual(plan.broken_date, date(2026, 7, 7))
        self.assertEqual(self.case.stage_id, self.first_ladder_stage)
        self.assertEqual(
            len(
                self._queued_mails(
                    plan, "collections_mgmt.mail_template_payment_plan_broken"
                )
            ),
            1,
        )
        self.assertEqual(self.customer.collection_broken_plan_count, 1)

    def test_paid_within_grace_days_keeps_plan(self):
        plan = self._active_plan()
        self._track("2026-07-03")
        self.assertEqual(plan.line_ids[0].state, "late")
        with freeze_time("2026-07-04"):
            self._pay(self.invoice_a, 300.0, pay_date=date(2026, 7, 4))
        self._track("2026-07-10")
        self.assertEqual(plan.line_ids[0].state, "paid")
        self.assertEqual(plan.state, "active")

    def test_reminder_sent_once_before_due_date(self):
        self.company.collection_plan_reminder_days = 3
        plan = self._active_plan(date_first_due=TODAY + timedelta(days=10))
        template = "collections_mgmt.mail_template_payment_plan_reminder"
        self._track("2026-07-05")
        self.assertFalse(self._queued_mails(plan, template))
        self._track("2026-07-07")
        self.assertEqual(len(self._queued_mails(plan, template)), 1)
        self.assertTrue(plan.line_ids[0].reminder_sent)
        self._track("2026-07-08")
        self.assertEqual(len(self._queued_mails(plan, template)), 1)

    def test_tracking_is_rerunnable(self):
        plan = self._active_plan()
        self._pay(self.invoice_a, 450.0)
        self._track("2026-07-02")
        messages = len(plan.message_ids)
        lines = plan.line_ids.read(["amount_paid", "state", "write_date"])
        self._track("2026-07-02")
        self.assertEqual(len(plan.message_ids), messages)
        self.assertEqual(
            plan.line_ids.read(["amount_paid", "state", "write_date"]), lines
        )

    def _bulk_active_plans(self, count):
        plans = self.Plan
        for index in range(count):
            customer = self._customer(f"Bulk {len(self.Plan.search([]))} {index}")
            invoice = self._invoice(customer, 100.0, TODAY - timedelta(days=5))
            self.Case._sync_cases(companies=self.company, partners=customer)
            case = self.Case.search([("partner_id", "=", customer.id)])
            plans |= self._active_plan(case=case, invoices=invoice)
        return plans

    def _count_tracking_queries(self, plans):
        """Queries of a tracking run where every plan's first instalment is paid."""
        for plan in plans:
            self._pay(plan.invoice_ids, 100.0 / 3)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self.Plan._cron_track_plans(companies=self.company)
        self.env.flush_all()
        count = self.env.cr.sql_log_count - before
        for plan in plans:
            self.assertEqual(plan.line_ids[0].state, "paid")
        return count

    def test_query_count_does_not_grow_with_plans(self):
        # later runs track more plans, the earlier ones unchanged: same queries
        self._count_tracking_queries(self._bulk_active_plans(2))  # warm the caches
        few = self._count_tracking_queries(self._bulk_active_plans(2))
        many = self._count_tracking_queries(self._bulk_active_plans(6))
        self.assertEqual(many, few)
        self.assertEqual(len(self.Plan.search([("state", "=", "active")])), 10)


@tagged("post_install", "-at_install")
class TestPaymentPlanSettlement(PaymentPlanCase):
    def _approved_settlement(self, amount):
        plan = self._plan(settlement_amount=amount, instalment_count=2)
        plan.with_user(self.collector).action_submit()
        plan.with_user(self.collections_manager).action_approve()
        return plan

    def _assert_invoices_settled(self, plan, move):
        self.assertEqual(move.state, "posted")
        self.assertEqual(plan.write_off_move_id, move)
        self.assertTrue(
            move.currency_id.is_zero(sum(move.line_ids.mapped("balance"))),
            "the write-off entry is balanced",
        )
        for invoice in self.invoice_a | self.invoice_b:
            self.assertEqual(invoice.payment_state, "paid")
            self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        receivable = move.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertTrue(all(receivable.mapped("reconciled")))

    def test_settlement_written_off_with_credit_note(self):
        plan = self._approved_settlement(600.0)
        self._pay(self.invoice_a, 400.0)
        self._pay(self.invoice_b, 200.0)
        self.Plan._cron_track_plans(companies=self.company)
        self.assertEqual(plan.state, "done")
        move = plan.write_off_move_id
        self.assertEqual(move.move_type, "out_refund")
        self.assertAlmostEqual(move.amount_total, 300.0)
        self._assert_invoices_settled(plan, move)

    def test_settlement_written_off_to_account(self):
        account = self.company_data["default_account_expense"]
        self.company.collection_plan_write_off_account_id = account
        plan = self._approved_settlement(600.0)
        self._pay(self.invoice_a, 600.0)
        self.Plan._cron_track_plans(companies=self.company)
        move = plan.write_off_move_id
        self.assertEqual(move.move_type, "entry")
        write_off = move.line_ids.filtered(lambda line: line.account_id == account)
        self.assertAlmostEqual(write_off.debit, 300.0)
        self._assert_invoices_settled(plan, move)

    def test_no_write_off_before_settlement_paid(self):
        plan = self._approved_settlement(600.0)
        self._pay(self.invoice_a, 599.0)
        self.Plan._cron_track_plans(companies=self.company)
        self.assertEqual(plan.state, "active")
        self.assertFalse(plan.write_off_move_id)
        self.assertEqual(self.invoice_b.payment_state, "not_paid")

    def test_unapproved_settlement_is_not_written_off(self):
        plan = self._plan(settlement_amount=600.0)
        with self.assertRaisesRegex(UserError, "approved"):
            plan._write_off_settlement(TODAY)
        self.assertFalse(plan.write_off_move_id)


@tagged("post_install", "-at_install")
class TestPaymentPlanBadInput(PaymentPlanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_customer = cls._customer("Other Customer")
        cls.other_invoice = cls._invoice(cls.other_customer, 100.0, TODAY)

    def _assert_refused(self, error, pattern, **values):
        Line = self.env["collection.payment.plan.line"]
        plans, lines = self.Plan.search_count([]), Line.search_count([])
        with self.assertRaises(error) as caught:
            self._plan(**values)
        self.assertRegex(str(caught.exception), pattern)
        self.assertEqual(self.Plan.search_count([]), plans, "nothing half-created")
        self.assertEqual(Line.search_count([]), lines)

    def test_non_positive_instalment_count(self):
        for count in (0, -2):
            with self.subTest(count=count):
                self._assert_refused(
                    ValidationError, "at least one instalment", instalment_count=count
                )

    def test_negative_down_payment_and_settlement(self):
        self._assert_refused(ValidationError, "down payment", down_payment=-10.0)
        self._assert_refused(ValidationError, "settlement", settlement_amount=-10.0)

    def test_settlement_above_total(self):
        self._assert_refused(
            ValidationError, "below the total", settlement_amount=900.0
        )
        self._assert_refused(
            ValidationError, "below the total", settlement_amount=950.0
        )

    def test_first_due_date_in_past(self):
        self._assert_refused(
            ValidationError, "past", date_first_due=TODAY - timedelta(days=1)
        )

    def test_invoice_of_another_customer(self):
        self._assert_refused(
            ValidationError,
            "belongs to Other Customer",
            invoices=self.invoice_a | self.other_invoice,
        )

    def test_invoice_of_another_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 0.9)])
        invoice = self._invoice(self.customer, 100.0, TODAY, currency=eur)
        self._assert_refused(
            ValidationError, "one currency", invoices=self.invoice_a | invoice
        )

    def test_invoice_of_another_company(self):
        other = self.setup_other_company(name="Plans Other Co")["company"]
        self.env.user.company_ids |= other
        invoice = self._invoice(self.customer, 100.0, TODAY, company=other)
        self._assert_refused(
            ValidationError, "company", invoices=self.invoice_a | invoice
        )

    def test_invoice_already_paid(self):
        invoice = self._invoice(self.customer, 50.0, TODAY)
        self._pay(invoice, 50.0)
        self._assert_refused(ValidationError, "already paid", invoices=invoice)

    def test_disputed_invoice(self):
        invoice = self._invoice(self.customer, 50.0, TODAY)
        invoice.collection_excluded = True
        self._assert_refused(ValidationError, "disputed", invoices=invoice)

    def test_invoice_in_another_active_plan(self):
        plan = self._plan(invoices=self.invoice_a)
        plan.with_user(self.collector).action_activate()
        self._assert_refused(
            ValidationError, "already covered", invoices=self.invoice_a | self.invoice_b
        )

    def test_no_invoice(self):
        self._assert_refused(ValidationError, "no invoice", invoices=self.invoice_a[:0])

    def test_non_positive_instalment_amount(self):
        plan = self._plan()
        with self.assertRaisesRegex(ValidationError, "positive amount"):
            plan.line_ids[0].amount = 0.0
        with self.assertRaisesRegex(ValidationError, "positive amount"):
            plan.line_ids[0].amount = -5.0

    def test_edited_due_date_in_past_refused_at_submit(self):
        plan = self._plan()
        plan.line_ids[1].date_due = TODAY - timedelta(days=3)
        with self.assertRaisesRegex(ValidationError, "past"):
            plan.with_user(self.collector).action_activate()
        self.assertEqual(plan.state, "draft")
        self.assertEqual(self.case.stage_id, self.first_ladder_stage)

    def test_invoice_paid_after_plan_made_refused_at_submit(self):
        plan = self._plan()
        self._pay(self.invoice_b, 100.0)
        with self.assertRaisesRegex(ValidationError, "changed"):
            plan.with_user(self.collector).action_activate()

    def test_active_plan_schedule_cannot_change(self):
        plan = self._plan()
        plan.with_user(self.collector).action_activate()
        line = plan.line_ids[0]
        attempts = {
            "line amount": lambda: line.write({"amount": 10.0}),
            "line date": lambda: line.write({"date_due": TODAY + timedelta(days=40)}),
            "new line": lambda: self.env["collection.payment.plan.line"].create(
                {"plan_id": plan.id, "date_due": TODAY, "amount": 1.0}
            ),
            "delete line": line.unlink,
            "instalments": lambda: plan.write({"instalment_count": 5}),
            "invoices": lambda: plan.write(
                {"invoice_ids": [Command.unlink(self.invoice_b.id)]}
            ),
            "regenerate": plan.action_generate_schedule,
        }
        for name, attempt in attempts.items():
            with (
                self.subTest(attempt=name),
                self.assertRaisesRegex(UserError, "cannot change"),
            ):
                attempt()
        self.assertEqual(plan.line_ids.mapped("amount"), [300.0, 300.0, 300.0])

    def test_approving_a_draft_plan_refused(self):
        plan = self._plan()
        with self.assertRaises(UserError):
            plan.with_user(self.collections_manager).action_approve()
        self.assertEqual(plan.state, "draft")

    def test_status_and_approval_not_writable_directly(self):
        self.company.collection_plan_approval_amount = 500.0
        plan = self._plan()
        for vals in (
            {"state": "active"},
            {"approved_by_id": self.collections_manager.id},
            {"accepted_date": "2026-06-30 10:00:00"},
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "buttons"):
                plan.with_user(self.collector).write(vals)
        self.assertEqual(plan.state, "draft")
        self.assertFalse(plan.approved_by_id)


@tagged("post_install", "-at_install")
class TestPaymentPlanSettlementForeignCurrency(PaymentPlanCase):
    """A settlement in EUR at 2 EUR per company unit: the write-off is balanced in
    company currency and the invoices end fully reconciled, no exchange difference."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR")  # 2 EUR per company unit
        cls.fx_customer = cls._customer("Euro Customer")
        cls.eur_a = cls._invoice(
            cls.fx_customer, 600.0, TODAY - timedelta(days=20), currency=cls.eur
        )
        cls.eur_b = cls._invoice(
            cls.fx_customer, 300.0, TODAY - timedelta(days=10), currency=cls.eur
        )
        cls.Case._sync_cases(companies=cls.company, partners=cls.fx_customer)
        cls.fx_case = cls.Case.search([("partner_id", "=", cls.fx_customer.id)])

    def _settle(self):
        plan = self._plan(
            invoices=self.eur_a | self.eur_b,
            case=self.fx_case,
            settlement_amount=600.0,
            instalment_count=2,
        )
        self.assertEqual(plan.currency_id, self.eur)
        plan.with_user(self.collector).action_submit()
        plan.with_user(self.collections_manager).action_approve()
        self._pay(self.eur_a, 400.0)
        self._pay(self.eur_b, 200.0)
        self.Plan._cron_track_plans(companies=self.company)
        self.assertEqual(plan.state, "done")
        return plan, plan.write_off_move_id

    def _assert_settled_in_company_currency(self, move):
        company_currency = self.company.currency_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(set(move.line_ids.currency_id), {self.eur})
        self.assertTrue(
            company_currency.is_zero(sum(move.line_ids.mapped("balance"))),
            "balanced in company currency",
        )
        self.assertTrue(self.eur.is_zero(sum(move.line_ids.mapped("amount_currency"))))
        receivables = (move | self.eur_a | self.eur_b).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        # 300 EUR left on the invoices = 150 in company currency at 2 EUR per unit
        written_off = move.line_ids.filtered(lambda line: line in receivables)
        self.assertAlmostEqual(sum(written_off.mapped("amount_currency")), -300.0)
        self.assertAlmostEqual(sum(written_off.mapped("balance")), -150.0)
        for invoice in self.eur_a | self.eur_b:
            self.assertEqual(invoice.payment_state, "paid")
            self.assertTrue(self.eur.is_zero(invoice.amount_residual))
            self.assertTrue(company_currency.is_zero(invoice.amount_residual_signed))
        self.assertTrue(all(receivables.mapped("reconciled")))
        self.assertTrue(all(receivables.mapped("full_reconcile_id")))
        for line in receivables:
            self.assertTrue(company_currency.is_zero(line.amount_residual))
            self.assertTrue(self.eur.is_zero(line.amount_residual_currency))
        partials = receivables.matched_debit_ids | receivables.matched_credit_ids
        self.assertFalse(
            partials.exchange_move_id | receivables.full_reconcile_id.exchange_move_id,
            "no exchange difference",
        )

    def test_foreign_currency_settlement_by_credit_note(self):
        _plan, move = self._settle()
        self.assertEqual(move.move_type, "out_refund")
        self.assertAlmostEqual(move.amount_total, 300.0)
        self.assertAlmostEqual(move.amount_total_signed, -150.0)
        self._assert_settled_in_company_currency(move)

    def test_foreign_currency_settlement_to_write_off_account(self):
        account = self.company_data["default_account_expense"]
        self.company.collection_plan_write_off_account_id = account
        _plan, move = self._settle()
        self.assertEqual(move.move_type, "entry")
        write_off = move.line_ids.filtered(lambda line: line.account_id == account)
        self.assertAlmostEqual(write_off.amount_currency, 300.0)
        self.assertAlmostEqual(write_off.debit, 150.0)
        self._assert_settled_in_company_currency(move)
