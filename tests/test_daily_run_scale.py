"""The daily run at scale: what a reminder batch costs does not grow with invoices."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import models
from odoo.tests import tagged

from odoo.addons.collections_mgmt.models.collection_daily_run import _insert_chunk

from .common import CollectionsCase

DUE = date(2026, 5, 1)
RUN_AT = datetime(2026, 5, 3, 12, 0)


@tagged("post_install", "-at_install")
class TestDailyRunScale(CollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "UTC"
        cls.company.collection_enforce_contact_window = False

    def _customers(self, count, invoices_each, tag, due=DUE):
        partners = self.env["res.partner"].create(
            [
                {"name": f"{tag} {i}", "is_company": True, "email": f"{tag}{i}@x.com"}
                for i in range(count)
            ]
        )
        self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": due,
                    "invoice_date_due": due,
                    "invoice_line_ids": [
                        (0, 0, {"name": "Service", "price_unit": 10.0, "tax_ids": []})
                    ],
                }
                for partner in partners
                for _invoice in range(invoices_each)
            ]
        ).action_post()
        return partners

    def _count_run_queries(self):
        self.env.invalidate_all()
        with freeze_time(RUN_AT):
            before = self.cr.sql_log_count
            stats = self.env["collection.daily.run"]._run(
                companies=self.company, batch_size=500
            )
            return self.cr.sql_log_count - before, stats

    def test_reminders_link_every_invoice_with_a_portal_token(self):
        partner = self._customers(1, 3, "Tokens")
        self._count_run_queries()
        invoices = self.env["account.move"].search([("partner_id", "=", partner.id)])
        self.assertEqual(len(invoices), 3)
        self.assertTrue(all(invoices.mapped("access_token")))
        self.assertEqual(len(set(invoices.mapped("access_token"))), 3)
        comm = self.env["collection.communication"].search(
            [("partner_id", "=", partner.id)]
        )
        self.assertEqual(comm.state, "queued")
        for invoice in invoices:
            self.assertIn(invoice.access_token, comm.mail_id.body_html)

    def test_reminder_queries_do_not_grow_with_invoices_per_case(self):
        self._customers(5, 1, "One")
        one, stats = self._count_run_queries()
        self.assertEqual(stats["queued"], 5)
        self._customers(5, 6, "Six")
        six, stats = self._count_run_queries()
        self.assertEqual(stats["queued"], 5)
        self.assertLess(
            six - one,
            15,
            f"{one} queries for 5 reminders of 1 invoice, {six} for 6 invoices each",
        )

    def test_batch_queries_do_not_grow_with_cases(self):
        # 91 days overdue: escalated, an activity each (created with its communication)
        self._customers(5, 2, "Few", due=date(2026, 2, 1))
        few, stats = self._count_run_queries()
        self.assertEqual(stats["done"], 5)
        self._customers(60, 2, "Many", due=date(2026, 2, 1))
        many, stats = self._count_run_queries()
        self.assertEqual(stats["done"], 60, "the 5 already escalated get nothing new")
        self.assertLess(
            many - few,
            10,
            f"{few} queries for a batch of 5 cases, {many} for 65 (one batch)",
        )

    def _batch_statements(self, count, tag):
        """Statements of one batch of ``count`` new cases: letters, calls, escalations.

        A third of the customers each (rounded): an invoice 2 days overdue (reminder,
        here a letter), 50 days (the collector call: a phone communication and its
        activity) and 70 days (escalated: an activity, its communication done).
        """
        partners = self.env["res.partner"].create(
            [{"name": f"{tag} {i}", "is_company": True} for i in range(count)]
        )
        days = (2, 50, 70)
        self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": RUN_AT.date() - timedelta(days[i % 3]),
                    "invoice_date_due": RUN_AT.date() - timedelta(days[i % 3]),
                    "invoice_line_ids": [
                        (0, 0, {"name": "Service", "price_unit": 10.0, "tax_ids": []})
                    ],
                }
                for i, partner in enumerate(partners)
            ]
        ).action_post()
        Run = self.env["collection.daily.run"].with_company(self.company)
        with freeze_time(RUN_AT):
            self.Case._sync_cases(companies=self.company)
            cases = self.Case.search([("partner_id", "in", partners.ids)])
            self.assertEqual(len(cases), count)
            self.env.flush_all()
            self.env.invalidate_all()
            stats = defaultdict(int)
            before = self.cr.sql_log_count
            Run._process_batch_safely(self.company, cases.ids, stats)
            self.env.flush_all()
            statements = self.cr.sql_log_count - before
        self.assertEqual(stats["cases"], count)
        return statements, stats

    def test_batch_statements_are_the_same_for_10_and_200_cases(self):
        # the run's own rows (communications, activities, followers) are inserted
        # in one statement per batch, not one per 100 rows as create() does
        self.env.ref("collections_mgmt.collection_stage_reminder").channel = "letter"
        self._batch_statements(3, "Warm")  # caches of the first batch
        small, stats = self._batch_statements(10, "Ten")
        self.assertEqual((stats["queued"], stats["done"]), (4 + 3, 3))
        large, stats = self._batch_statements(200, "Two hundred")
        self.assertEqual((stats["queued"], stats["done"]), (67 + 67, 66))
        self.assertEqual(
            self.env["mail.activity"].search_count(
                [("res_model", "=", "collection.case"), ("summary", "!=", False)]
            ),
            2 + 6 + 133,
        )
        self.assertEqual(
            small, large, f"{small} statements for 10 cases, {large} for 200"
        )
        self.assertEqual(models.INSERT_BATCH_SIZE, 100, "Odoo's chunk is back")

    def test_insert_chunk_is_the_largest_asked_and_always_restored(self):
        default = models.INSERT_BATCH_SIZE
        with self.assertRaises(ZeroDivisionError), _insert_chunk(1000):
            with _insert_chunk(400):
                self.assertEqual(models.INSERT_BATCH_SIZE, 1000)
            with _insert_chunk(3000):
                self.assertEqual(models.INSERT_BATCH_SIZE, 3000)
            self.assertEqual(models.INSERT_BATCH_SIZE, 1000)
            _ = 1 / 0
        self.assertEqual(models.INSERT_BATCH_SIZE, default)
        with _insert_chunk(10):
            self.assertEqual(models.INSERT_BATCH_SIZE, default, "never lowered")

    def test_invoice_state_lives_in_the_case_invoice_table(self):
        partner = self._customers(1, 2, "Narrow")
        self._count_run_queries()
        case = self.env["collection.case"].search([("partner_id", "=", partner.id)])
        invoices = self.env["account.move"].search([("partner_id", "=", partner.id)])
        links = self.env["collection.case.invoice"].search(
            [("move_id", "in", invoices.ids)]
        )
        first = self.env.ref("collections_mgmt.collection_stage_reminder")
        self.assertEqual(links.case_id, case)
        self.assertEqual(set(links.mapped("level_id")), {first})
        self.assertEqual(links.mapped("reminder_count"), [1, 1])
        self.assertEqual(invoices.collection_case_id, case)
        self.assertEqual(set(invoices.mapped("collection_level_id")), {first})
        self.assertEqual(case.invoice_ids, invoices)
        self.assertEqual(
            self.env["account.move"].search([("collection_case_id", "=", case.id)]),
            invoices,
        )
        # the run never rewrites account_move rows: the columns are not there
        self.cr.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'account_move' AND column_name LIKE 'collection_%%'"
        )
        self.assertEqual(
            sorted(row[0] for row in self.cr.fetchall()),
            ["collection_excluded", "collection_excluded_reason"],
        )
        # the reminder is in the case's history, with its email
        comm = self.env["collection.communication"].search([("case_id", "=", case.id)])
        self.assertEqual(comm.message_id.res_id, case.id)
        self.assertEqual(
            comm.message_id.subtype_id,
            self.env.ref("collections_mgmt.mt_collection_reminder"),
        )
        self.assertIn(comm.message_id, case.message_ids)
        self.assertIn("2 overdue invoices", comm.message_id.body)
        self.assertEqual(comm.mail_id.mail_message_id, comm.message_id)
