"""Case sync: the worklist shows exactly the customers with overdue receivables."""

from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TODAY, CollectionsCase


@tagged("post_install", "-at_install")
class TestCaseSync(CollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        cls.company_2 = cls.setup_other_company(name="Second Company")["company"]
        days = lambda n: TODAY - timedelta(days=n)  # noqa: E731

        cls.alpha = cls._customer("Alpha")
        cls.alpha_contact = cls.env["res.partner"].create(
            {"name": "Alpha Accounts", "parent_id": cls.alpha.id}
        )
        cls.alpha_old = cls._invoice(cls.alpha, 1000.0, days(40))
        cls.alpha_contact_inv = cls._invoice(cls.alpha_contact, 250.0, days(12))
        cls.alpha_future = cls._invoice(cls.alpha, 500.0, TODAY + timedelta(days=10))

        cls.beta = cls._customer("Beta")
        cls.beta_inv = cls._invoice(cls.beta, 1000.0, days(20))
        cls._pay(cls.beta_inv, 400.0)

        cls.gamma = cls._customer("Gamma")
        cls.gamma_inv = cls._invoice(cls.gamma, 200.0, days(10), currency=cls.eur)
        cls._pay(cls.gamma_inv, 50.0)

        cls.delta = cls._customer("Delta")
        cls.delta_inv = cls._invoice(cls.delta, 300.0, days(5))
        cls.delta_refund = cls._invoice(
            cls.delta, 100.0, days(3), move_type="out_refund"
        )

        cls.epsilon = cls._customer("Epsilon")
        cls.epsilon_inv = cls._invoice(cls.epsilon, 800.0, days(30))
        cls.epsilon_inv.write(
            {"collection_excluded": True, "collection_excluded_reason": "Disputed"}
        )

        cls.zeta = cls._customer("Zeta")
        cls._invoice(cls.zeta, 100.0, days(10))
        cls._invoice(cls.zeta, 700.0, days(15), company=cls.company_2)

        cls.eta = cls._customer("Eta")
        cls._pay(cls._invoice(cls.eta, 100.0, days(50)), 100.0)

        cls.theta = cls._customer("Theta")
        cls._invoice(cls.theta, 100.0, TODAY)

        cls.companies = cls.company + cls.company_2
        cls.Case._sync_cases(companies=cls.companies)

    def _case(self, partner, company=None):
        return self.Case.with_context(active_test=False).search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", (company or self.company).id),
            ]
        )

    def _open_cases(self):
        return self.Case.search(
            [("company_id", "in", self.companies.ids), ("stage_kind", "!=", "closed")]
        )

    def test_worklist_shows_exactly_the_overdue_customers(self):
        cases = self._open_cases()
        self.assertEqual(
            {(case.partner_id, case.company_id) for case in cases},
            {
                (self.alpha, self.company),
                (self.beta, self.company),
                (self.gamma, self.company),
                (self.delta, self.company),
                (self.zeta, self.company),
                (self.zeta, self.company_2),
            },
        )
        self.assertEqual(
            set(cases.stage_id.mapped("kind")), {"ladder"}, "new cases enter the ladder"
        )

    def test_amounts_in_company_currency(self):
        expected = {
            # partner: (amount_due, amount_overdue, oldest_due_date, days_overdue)
            self.alpha: (1750.0, 1250.0, TODAY - timedelta(days=40), 40),
            self.beta: (600.0, 600.0, TODAY - timedelta(days=20), 20),
            # 200 EUR at 2 EUR per unit, 50 EUR paid: 75 in company currency
            self.gamma: (75.0, 75.0, TODAY - timedelta(days=10), 10),
            # the open credit note lowers what is due and overdue
            self.delta: (200.0, 200.0, TODAY - timedelta(days=5), 5),
            self.zeta: (100.0, 100.0, TODAY - timedelta(days=10), 10),
        }
        for partner, (due, overdue, oldest, days) in expected.items():
            with self.subTest(partner=partner.name):
                case = self._case(partner)
                self.assertAlmostEqual(case.amount_due, due)
                self.assertAlmostEqual(case.amount_overdue, overdue)
                self.assertEqual(case.oldest_due_date, oldest)
                self.assertEqual(case.days_overdue, days)
        zeta_2 = self._case(self.zeta, self.company_2)
        self.assertAlmostEqual(zeta_2.amount_overdue, 700.0)
        self.assertEqual(zeta_2.currency_id, self.company_2.currency_id)

    def test_overdue_invoices_are_linked_to_their_case(self):
        case = self._case(self.alpha)
        self.assertEqual(
            case.overdue_invoice_ids, self.alpha_old | self.alpha_contact_inv
        )
        self.assertEqual(self.alpha_old.collection_case_id, case)
        self.assertFalse(self.alpha_future.collection_case_id, "not due yet")
        self.assertEqual(case.invoice_count, 2)

    def test_excluded_invoices_never_count(self):
        self.assertFalse(self._case(self.epsilon))
        self.beta_inv.write(
            {"collection_excluded": True, "collection_excluded_reason": "Wrong price"}
        )
        case = self._case(self.beta)
        self.assertEqual(
            case.stage_id.kind, "closed", "nothing overdue counts any more"
        )
        self.assertEqual(case.amount_overdue, 0.0)
        self.beta_inv.collection_excluded = False
        self.assertEqual(case.stage_id.kind, "ladder")
        self.assertAlmostEqual(case.amount_overdue, 600.0)

    def test_sync_is_idempotent(self):
        cases = self.Case.with_context(active_test=False).search([])
        before = {case.id: (case.write_date, case.amount_overdue) for case in cases}
        touched = self.Case._sync_cases(companies=self.companies)
        self.assertFalse(touched, "a second run changes nothing")
        after = self.Case.with_context(active_test=False).search([])
        self.assertEqual(after, cases)
        self.assertEqual(
            {case.id: (case.write_date, case.amount_overdue) for case in after}, before
        )

    def test_paying_everything_resolves_the_case_and_keeps_it(self):
        case = self._case(self.beta)
        self._pay(self.beta_inv, 600.0)
        self.Case._sync_cases(companies=self.company)
        self.assertEqual(
            case.stage_id, self.env.ref("collections_mgmt.collection_stage_resolved")
        )
        self.assertTrue(case.active, "resolved cases keep their history")
        self.assertEqual(case.amount_overdue, 0.0)
        self.assertFalse(case.overdue_invoice_ids)
        self.assertEqual(
            case.invoice_ids, self.beta_inv, "the invoice stays in the history"
        )

    def test_falling_overdue_again_starts_a_new_cycle(self):
        case = self._case(self.beta)
        self._pay(self.beta_inv, 600.0)
        self.Case._sync_cases(companies=self.company)
        self.assertEqual(case.stage_kind, "closed")
        self._invoice(self.beta, 90.0, TODAY - timedelta(days=2))
        self.Case._sync_cases(companies=self.company)
        self.assertEqual(case.stage_kind, "ladder")
        self.assertEqual(case.cycle, 2)
        self.assertAlmostEqual(case.amount_overdue, 90.0)

    def test_partner_smart_button_shows_overdue_of_current_company(self):
        self.assertAlmostEqual(
            self.zeta.with_company(self.company).collection_amount_overdue, 100.0
        )
        self.assertAlmostEqual(
            self.zeta.with_company(self.company_2).collection_amount_overdue, 700.0
        )
        self.assertEqual(self.alpha_contact.collection_amount_overdue, 1250.0)
        action = self.alpha.action_open_collection_cases()
        self.assertEqual(self.Case.search(action["domain"]), self._case(self.alpha))

    def test_collector_sees_only_cases_of_their_companies(self):
        visible = self.Case.with_user(self.collector).search(
            [("partner_id", "=", self.zeta.id)]
        )
        self.assertEqual(visible, self._case(self.zeta))
        with self.assertRaises(AccessError):
            self._case(self.zeta, self.company_2).with_user(self.collector).read(
                ["amount_due"]
            )

    def test_new_cases_get_the_customer_collector(self):
        iota = self._customer("Iota")
        iota.with_company(self.company).collection_user_id = self.collector
        self._invoice(iota, 10.0, TODAY - timedelta(days=1))
        self.company.collection_user_id = self.collections_manager
        kappa = self._customer("Kappa")
        self._invoice(kappa, 10.0, TODAY - timedelta(days=1))
        self.Case._sync_cases(companies=self.company)
        self.assertEqual(self._case(iota).user_id, self.collector)
        self.assertEqual(self._case(kappa).user_id, self.collections_manager)

    def test_refresh_button_syncs_one_customer(self):
        case = self._case(self.alpha)
        self._pay(self.alpha_old, 1000.0)
        case.action_refresh()
        self.assertAlmostEqual(case.amount_overdue, 250.0)
        self.assertEqual(case.oldest_due_date, TODAY - timedelta(days=12))
