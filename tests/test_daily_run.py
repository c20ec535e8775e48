"""The daily run: stages advance, each stage's action happens exactly once."""

from datetime import date, datetime, timedelta

from freezegun import freeze_time
from psycopg2.errors import UniqueViolation

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CollectionsCase

DUE = date(2026, 5, 1)


def at(days, hour=10):
    """``days`` after the due date, at ``hour`` UTC."""
    return datetime.combine(DUE + timedelta(days=days), datetime.min.time()).replace(
        hour=hour
    )


@tagged("post_install", "-at_install")
class TestDailyRun(CollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["collection.daily.run"]
        cls.Comm = cls.env["collection.communication"]
        cls.company.partner_id.tz = "UTC"
        cls.company.collection_escalation_user_id = cls.collections_manager
        cls.customer = cls._customer("Walker", tz="UTC")
        cls.customer.with_company(cls.company).collection_user_id = cls.collector
        cls.invoice = cls._invoice(
            cls.customer, 1000.0, DUE, invoice_date=DUE - timedelta(30)
        )

    def _run(self, moment, **kwargs):
        with freeze_time(moment):
            return self.Run._run(companies=self.company, **kwargs)

    def _case(self, partner=None):
        return self.Case.search(
            [
                ("partner_id", "=", (partner or self.customer).id),
                ("company_id", "=", self.company.id),
            ]
        )

    def _comms(self, partner=None):
        return self.Comm.search([("partner_id", "=", (partner or self.customer).id)])

    def test_walk_through_the_ladder_once_per_stage(self):
        ref = self.env.ref
        steps = [
            (1, "collection_stage_reminder", [("email", "queued")]),
            (15, "collection_stage_second_reminder", [("email", "queued")]),
            (
                30,
                "collection_stage_final_notice",
                [("email", "queued"), ("letter", "queued")],
            ),
            (45, "collection_stage_call", [("phone", "queued")]),
            (60, "collection_stage_escalated", [("activity", "done")]),
        ]
        seen = self.Comm
        for days, stage_xmlid, expected in steps:
            with self.subTest(day=days):
                self._run(at(days))
                stage = ref(f"collections_mgmt.{stage_xmlid}")
                case = self._case()
                self.assertEqual(case.stage_id, stage)
                new = self._comms() - seen
                self.assertEqual(
                    sorted((c.channel, c.state) for c in new),
                    sorted(expected),
                    new.mapped("reason"),
                )
                self.assertEqual(new.stage_id, stage)
                # a rerun the same day changes nothing
                self._run(at(days, hour=15))
                self.assertEqual(self._comms() - seen, new)
                seen |= new
                self.assertEqual(self.invoice.collection_level_id, stage)

        emails = seen.filtered(lambda c: c.channel == "email")
        self.assertEqual(len(emails), 3)
        self.assertEqual(len(emails.mail_id), 3, "each email went to the mail queue")
        self.assertEqual(
            set(emails.mail_id.mapped("state")), {"outgoing"}, "queued, not sent"
        )
        self.assertIn(self.customer, emails.mail_id.recipient_ids)
        self.assertEqual(
            self.invoice.collection_reminder_count, 4, "3 emails and a letter"
        )
        final = emails.filtered(
            lambda c: (
                c.stage_id == ref("collections_mgmt.collection_stage_final_notice")
            )
        )
        self.assertTrue(final.attachment_id, "the final notice carries the statement")
        self.assertEqual(final.attachment_id.mimetype, "application/pdf")
        body = final.mail_id.body_html
        self.assertIn(self.invoice.name, body)
        self.assertIn(
            "/collections/optout/", body, "every reminder says how to opt out"
        )
        for email in emails:
            self.assertIn("to dispute an invoice", email.mail_id.body_html.lower())
            self.assertIn("/collections/optout/", email.mail_id.body_html)

        call = seen.filtered(lambda c: c.channel == "phone")
        self.assertEqual(call.activity_id.user_id, self.collector)
        self.assertEqual(
            call.activity_id.activity_type_id, ref("mail.mail_activity_data_call")
        )
        escalation = seen.filtered(lambda c: c.channel == "activity")
        self.assertEqual(escalation.activity_id.user_id, self.collections_manager)
        self.assertEqual(
            self._case()
            .message_ids.filtered(
                lambda m: m.subtype_id == ref("collections_mgmt.mt_collection_reminder")
            )
            .mapped("model"),
            ["collection.case"] * 3,
            "each reminder is logged in the chatter with our subtype",
        )

    def test_first_run_on_an_old_debt_performs_only_the_reached_stage(self):
        self._run(at(50))
        comms = self._comms()
        self.assertEqual(
            comms.stage_id, self.env.ref("collections_mgmt.collection_stage_call")
        )
        self.assertEqual(comms.mapped("channel"), ["phone"])

    def test_first_run_writes_invoices_and_levels_to_the_database(self):
        """The communication's invoices (one SQL INSERT) and the invoices' levels
        (set when the sync links them) as stored, not as the run's cache holds them."""
        other = self._invoice(self.customer, 300.0, DUE + timedelta(20))
        self._run(at(50))
        self.env.invalidate_all()
        comm = self._comms()
        self.assertEqual(comm.invoice_ids, self.invoice | other)
        ref = self.env.ref
        # 50 days late: the call stage; 30 days late: the final notice
        self.assertEqual(
            self.invoice.collection_level_id,
            ref("collections_mgmt.collection_stage_call"),
        )
        self.assertEqual(
            other.collection_level_id,
            ref("collections_mgmt.collection_stage_final_notice"),
        )

    def test_interrupted_run_resumes_without_duplicates(self):
        customers = [self.customer] + [self._customer(f"Batch {i}") for i in range(4)]
        for customer in customers[1:]:
            self._invoice(customer, 100.0, DUE)
        stats = self._run(at(2), batch_size=2, max_batches=1)
        self.assertEqual(stats["cases"], 2, "the run was cut after its first batch")
        first = self.Comm.search([("partner_id", "in", [c.id for c in customers])])
        self.assertEqual(len(first), 2)
        self._run(at(2, hour=11), batch_size=2)
        comms = self.Comm.search([("partner_id", "in", [c.id for c in customers])])
        self.assertEqual(len(comms), 5, "one reminder per customer, no duplicate")
        self.assertEqual(set(comms.partner_id.ids), {c.id for c in customers})
        self.assertLessEqual(first, comms)

    def test_database_refuses_a_duplicate_automated_action(self):
        self._run(at(2))
        comm = self._comms()
        with (
            self.assertRaises(UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            self.Comm.create(
                {
                    "case_id": comm.case_id.id,
                    "stage_id": comm.stage_id.id,
                    "cycle": comm.cycle,
                    "channel": "email",
                    "origin": "auto",
                }
            )
        # manual sends are not limited by the index
        self.Comm.create(
            {
                "case_id": comm.case_id.id,
                "stage_id": comm.stage_id.id,
                "cycle": comm.cycle,
                "channel": "email",
                "origin": "manual",
            }
        )

    def test_new_cycle_after_resolution_sends_again(self):
        self._run(at(2))
        self._pay(self.invoice, 1000.0, pay_date=DUE + timedelta(days=3))
        self._run(at(3))
        case = self._case()
        self.assertEqual(case.stage_kind, "closed")
        self._invoice(self.customer, 50.0, DUE + timedelta(days=10))
        self._run(at(12))
        self.assertEqual(case.cycle, 2)
        self.assertEqual(len(self._comms().filtered(lambda c: c.channel == "email")), 2)

    def test_template_error_on_one_case_does_not_stop_the_others(self):
        broken = self._customer("Broken")
        self._invoice(broken, 100.0, DUE)
        self.Case._sync_cases(companies=self.company)
        broken_case = self._case(broken)
        # a template whose rendering fails for this one customer only
        template = self.env.ref("collections_mgmt.mail_template_collection_reminder")
        template.body_html = (
            '<p t-if="object.partner_id.name == \'Broken\'" t-out="object.nonexistent_field"/>'
            "<p>Hello</p>"
        )
        self._run(at(2))
        self.assertEqual(self._comms().state, "queued")
        failed = self._comms(broken)
        self.assertEqual(failed.state, "failed")
        self.assertIn("could not be prepared", failed.reason)
        self.assertTrue(
            any(
                "could not be prepared" in (m.body or "")
                for m in broken_case.message_ids
            ),
            "the error is logged on the case",
        )

    def test_paused_stage_records_the_skip_once(self):
        self.Case._sync_cases(companies=self.company)
        case = self._case()
        case.stage_id = self.env.ref("collections_mgmt.collection_stage_legal")
        self._run(at(20))
        self._run(at(21))
        comm = self._comms()
        self.assertEqual(len(comm), 1)
        self.assertEqual(comm.state, "skipped")
        self.assertIn("paused", comm.reason)
        self.assertEqual(
            case.stage_id, self.env.ref("collections_mgmt.collection_stage_legal")
        )

    def test_manual_reminder_logged_and_counted(self):
        self._run(at(2))
        case = self._case()
        with freeze_time(at(3)):
            case.action_send_reminder()
        manual = self._comms().filtered(lambda c: c.origin == "manual")
        self.assertEqual(manual.state, "queued")
        self.assertTrue(manual.mail_id)

    def test_final_notices_of_one_batch_each_carry_their_statement(self):
        other = self._customer("Second Walker")
        self._invoice(other, 300.0, DUE, invoice_date=DUE - timedelta(30))
        self._run(at(31))
        final = self.env.ref("collections_mgmt.collection_stage_final_notice")
        emails = self.Comm.search(
            [("stage_id", "=", final.id), ("channel", "=", "email")]
        )
        self.assertEqual(len(emails), 2)
        self.assertEqual(len(emails.attachment_id), 2, "one statement per customer")
        self.assertEqual(
            set(emails.attachment_id.mapped("mimetype")), {"application/pdf"}
        )
        for email in emails:
            self.assertIn(email.attachment_id, email.message_id.attachment_ids)

    def test_case_smart_button_opens_its_communications(self):
        self._run(at(2))
        case = self._case()
        action = case.action_open_communications()
        self.assertEqual(self.Comm.search(action["domain"]), self._comms())
        self.assertEqual(case.communication_count, 1)

    def test_mail_outcome_flows_back_to_the_communication(self):
        self._run(at(2))
        comm = self._comms()
        comm.mail_id._postprocess_sent_message(
            success_pids=[],
            failure_reason="Connection refused",
            failure_type="mail_smtp",
        )
        self.assertEqual(comm.state, "failed")
        self.assertIn("Connection refused", comm.reason)

    def test_statement_lists_open_items_with_buckets(self):
        self._invoice(self.customer, 200.0, DUE + timedelta(days=80))
        self.Case._sync_cases(companies=self.company)
        case = self._case()
        with freeze_time(at(45)):
            data = case._get_statement_data()[case.id]
            html = (
                self.env["ir.actions.report"]
                ._render_qweb_html(
                    "collections_mgmt.action_report_collection_statement", case.ids
                )[0]
                .decode()
            )
        self.assertAlmostEqual(data["buckets"]["31_60"], 1000.0)
        self.assertAlmostEqual(data["buckets"]["current"], 200.0)
        self.assertAlmostEqual(data["total"], 1200.0)
        self.assertIn(self.invoice.name, html)
        self.assertIn("Statement of Account", html)


@tagged("post_install", "-at_install")
class TestDailyRunQueries(CollectionsCase):
    """Without mail, the run's queries grow with batches, not with cases."""

    def _customers_with_overdue(self, count, tag):
        partners = self.env["res.partner"].create(
            [{"name": f"{tag} {i}", "is_company": True} for i in range(count)]
        )
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": DUE,
                    "invoice_date_due": DUE,
                    "invoice_line_ids": [
                        (0, 0, {"name": "Service", "price_unit": 10.0, "tax_ids": []})
                    ],
                }
                for partner in partners
            ]
        )
        moves.action_post()
        self.Case._sync_cases(companies=self.company)

    def _count_run_queries(self):
        self.env.invalidate_all()
        with freeze_time(at(5, hour=12)):
            before = self.cr.sql_log_count
            stats = self.env["collection.daily.run"]._run(
                companies=self.company, batch_size=500
            )
            return self.cr.sql_log_count - before, stats

    def test_query_count_does_not_grow_with_cases(self):
        # letters: the run's own work, no mail rendering
        self.env.ref("collections_mgmt.collection_stage_reminder").channel = "letter"
        self._customers_with_overdue(10, "Small")
        small, stats = self._count_run_queries()
        self.assertEqual(stats["queued"], 10)
        self._customers_with_overdue(100, "Large")
        large, stats = self._count_run_queries()
        self.assertEqual(stats["queued"], 100)
        self.assertLess(
            large - small, 15, f"{small} queries for 10 cases, {large} for 100 more"
        )


@tagged("post_install", "-at_install")
class TestDailyRunBatchSize(CollectionsCase):
    @mute_logger("odoo.addons.collections_mgmt.models.collection_daily_run")
    def test_batch_size_parameter(self):
        Run = self.env["collection.daily.run"]
        Param = self.env["ir.config_parameter"].sudo()
        default = Run._default_batch_size
        for value, expected in (
            ("250", 250),
            ("abc", default),
            ("0", default),
            ("-5", default),
            ("1.5", default),
            ("", default),
        ):
            Param.set_param("collections_mgmt.batch_size", value)
            self.assertEqual(Run._get_batch_size(), expected, value)
