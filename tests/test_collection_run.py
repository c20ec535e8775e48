"""The run log: a daily run and a large batch of letters show their progress."""

from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TODAY, CollectionsCase


@tagged("post_install", "-at_install")
class TestCollectionRun(CollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["collection.run"]
        cls.DailyRun = cls.env["collection.daily.run"]
        cls.company.collection_enforce_contact_window = False
        cls.customers = cls.env["res.partner"]
        for name in ("Run Alpha", "Run Beta", "Run Gamma"):
            customer = cls._customer(name)
            cls._invoice(customer, 500.0, TODAY - timedelta(days=40))
            cls.customers |= customer
        cls.cron = cls.env.ref("collections_mgmt.ir_cron_collection_daily_run")

    def _triggers(self, cron):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])

    def test_daily_run_logs_progress_and_counters(self):
        stats = self.DailyRun._run(companies=self.company, batch_size=1)
        run = self.Run.search([("kind", "=", "daily")])
        self.assertEqual(len(run), 1)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.trigger, "manual")
        self.assertEqual(run.company_ids, self.company)
        self.assertEqual((run.case_count, run.case_done), (3, 3))
        self.assertEqual(run.progress, 100.0)
        self.assertEqual(run.queued_count, stats.get("queued", 0))
        self.assertGreater(run.queued_count, 0)
        self.assertEqual(run.moved_count, stats["moved"])
        self.assertTrue(run.date_start and run.date_end)

    def test_run_cut_short_shows_the_cases_left(self):
        self.DailyRun._run(companies=self.company, batch_size=1, max_batches=2)
        run = self.Run.search([("kind", "=", "daily")])
        self.assertEqual((run.case_count, run.case_done), (3, 2))
        self.assertAlmostEqual(run.progress, 200.0 / 3, places=2)

    def test_run_now_queues_the_cron_once_and_the_run_adopts_it(self):
        Case = self.Case.with_user(self.collections_manager)
        self._triggers(self.cron).unlink()
        action = Case.action_run_now()
        run = self.Run.browse(action["res_id"])
        self.assertEqual(action["res_model"], "collection.run")
        self.assertEqual(run.state, "queued")
        self.assertEqual(run.user_id, self.collections_manager)
        self.assertTrue(self._triggers(self.cron), "the cron is triggered, not run")
        self.assertFalse(
            self.env["collection.communication"].search(
                [("partner_id", "in", self.customers.ids)]
            ),
            "nothing ran in the request",
        )
        self.assertEqual(Case.action_run_now()["res_id"], run.id, "no second run")

        self.DailyRun._run(companies=self.company)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.trigger, "manual")
        self.assertEqual(run.case_done, 3)
        self.assertEqual(self.Run.search_count([("kind", "=", "daily")]), 1)
        self.env.cr.precommit.run()  # the bus writes its notifications on commit
        notified = (
            self.env["bus.bus"]
            .sudo()
            .search([("message", "ilike", "simple_notification")])
        )
        channel = f'"res.partner",{self.collections_manager.partner_id.id}]'
        self.assertTrue(
            any(bus.channel.endswith(channel) for bus in notified),
            "the manager is told the run ended",
        )

    def test_collector_cannot_run_now(self):
        with self.assertRaises(AccessError):
            self.Case.with_user(self.collector).action_run_now()
        self.assertFalse(self.Run.search([]))

    def test_collector_sees_runs_of_own_company_only(self):
        self.DailyRun._run(companies=self.company)
        other = self.setup_other_company(name="Runs Other Co")["company"]
        self.DailyRun._run(companies=other)
        runs = self.Run.with_user(self.collector).search([])
        self.assertEqual(runs.company_ids, self.company)
        with self.assertRaises(AccessError):
            runs.with_user(self.collector).write({"case_done": 0})


@tagged("post_install", "-at_install")
class TestLetterPrinting(CollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["collection.run"]
        cls.letters = cls.env["collection.communication"]
        for name in ("Paper One", "Paper Two", "Paper Three"):
            customer = cls._customer(name)
            cls._invoice(customer, 300.0, TODAY - timedelta(days=70))
        cls.Case._sync_cases(companies=cls.company)
        cls.letters = cls.env["collection.communication"].create(
            [
                {"case_id": case.id, "channel": "letter", "state": "queued"}
                for case in cls.Case.search([("company_id", "=", cls.company.id)])
            ]
        )
        cls.cron = cls.env.ref("collections_mgmt.ir_cron_collection_run_print")

    def test_few_letters_print_at_once(self):
        action = self.letters.with_user(self.collector).action_print_letters()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(set(self.letters.mapped("state")), {"printed"})
        self.assertFalse(self.Run.search([("kind", "=", "print")]))

    def test_many_letters_print_in_the_background(self):
        self.env["ir.config_parameter"].set_param(
            "collections_mgmt.print_background_threshold", "2"
        )
        action = self.letters.with_user(self.collector).action_print_letters()
        run = self.Run.browse(action["res_id"])
        self.assertEqual(
            (run.kind, run.state, run.user_id), ("print", "queued", self.collector)
        )
        self.assertEqual(set(self.letters.mapped("state")), {"queued"}, "not yet")
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        )

        self.Run._cron_print_letters(commit=False)
        self.assertEqual(run.state, "done")
        self.assertEqual((run.case_done, run.case_count, run.progress), (3, 3, 100.0))
        self.assertEqual(set(self.letters.mapped("state")), {"printed"})
        self.assertEqual(run.printed_count, 3)
        # under tests Odoo renders reports as HTML: one document, three statements
        document = run.attachment_id.raw.decode()
        for name in ("Paper One", "Paper Two", "Paper Three"):
            self.assertIn(name, document)
        self.assertEqual(run.with_user(self.collector).pdf_name, run.attachment_id.name)


@tagged("post_install", "-at_install")
class TestEmptyStates(CollectionsCase):
    def test_every_window_action_explains_its_empty_state(self):
        data = self.env["ir.model.data"].search(
            [
                ("module", "=", "collections_mgmt"),
                ("model", "=", "ir.actions.act_window"),
            ]
        )
        actions = self.env["ir.actions.act_window"].browse(data.mapped("res_id"))
        self.assertGreater(len(actions), 10)
        for action in actions:
            with self.subTest(action=action.name):
                self.assertIn("o_view_nocontent", action.help or "")
