"""Priority scores: which customer to call first, and why."""

import random
from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from bench.generate import generate_portfolio

from .common import TODAY, CollectionsCase

# queries of one _compute_priority_scores() call for one company, whatever its size
QUERIES = 10


def days_ago(days):
    return TODAY - timedelta(days=days)


@tagged("post_install", "-at_install")
class TestPriorityScore(CollectionsCase):
    """A fixture portfolio whose scores are computed by hand (default weights:
    amount 25, oldest age 15, amount-days 15, days late 10, share late 10,
    broken 15, credit limit 5, trust 5; they add up to 100, so points = weight x
    normalised value)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_currency = cls.setup_other_currency("EUR")  # 2 EUR per company unit
        cls.company.account_use_credit_limit = True
        # Alpha: the biggest debtor, old debts, paid late, bad debtor
        cls.alpha = cls._customer("Alpha")
        cls.alpha.with_company(cls.company).trust = "bad"
        cls._invoice(cls.alpha, 10000.0, days_ago(66))
        cls._invoice(cls.alpha, 2000.0, days_ago(30))
        paid_late = cls._invoice(cls.alpha, 1000.0, days_ago(200), days_ago(230))
        cls._pay(paid_late, 1000.0, days_ago(170))  # 30 days late
        too_old = cls._invoice(cls.alpha, 500.0, days_ago(500), days_ago(530))
        cls._pay(too_old, 500.0, days_ago(400))  # 100 days late, out of the window
        cls.paid_invoices = paid_late | too_old
        # Beta: small, recent, always paid on time
        cls.beta = cls._customer("Beta")
        cls._invoice(cls.beta, 600.0, days_ago(12))
        early = cls._invoice(cls.beta, 400.0, days_ago(100), days_ago(130))
        cls._pay(early, 400.0, days_ago(105))
        on_time = cls._invoice(cls.beta, 600.0, days_ago(60), days_ago(90))
        cls._pay(on_time, 600.0, days_ago(60))
        cls.paid_invoices |= early | on_time
        # Gamma: 1200 EUR = 600 in company currency, good debtor, no history
        cls.gamma = cls._customer("Gamma")
        cls.gamma.with_company(cls.company).trust = "good"
        cls._invoice(cls.gamma, 1200.0, days_ago(12), currency=cls.other_currency)
        # Delta: 3000 overdue + 500 not due yet, above its credit limit of 2000
        cls.delta = cls._customer("Delta")
        cls.delta.with_company(cls.company).credit_limit = 2000.0
        cls._invoice(cls.delta, 3000.0, days_ago(6))
        cls._invoice(cls.delta, 500.0, TODAY + timedelta(days=10), days_ago(20))

        cls.Case._sync_cases(companies=cls.company)
        cls.customers = cls.alpha | cls.beta | cls.gamma | cls.delta
        cls.cases = cls.Case.search([("partner_id", "in", cls.customers.ids)])

    def _score(self):
        self.Case._compute_priority_scores(self.company)
        return {case.partner_id: case for case in self.cases}

    def _points(self, case):
        return {f["key"]: f["points"] for f in case.priority_breakdown["factors"]}

    def test_fixture_portfolio_matches_hand_computed_scores(self):
        cases = self._score()
        # amount: ln(1 + x) / ln(1 + 12000), 12000 = Alpha, the biggest debtor
        # amount-days: ln(1 + x) / ln(1 + 720000), 720000 = Alpha's, the largest
        # Alpha: amount 1 -> 25; oldest 66/120 = 0.55 -> 8.25;
        #   amount-days 10000*66 + 2000*30 = 720000 -> 1 -> 15;
        #   paid 30 days late (the 100 days are out of the 12 months) -> 0.5 -> 5;
        #   1 of 1 paid late -> 10; bad debtor -> 5.  Total 68.25
        self.assertEqual(
            self._points(cases[self.alpha]),
            {
                "amount": 25.0,
                "oldest_age": 8.25,
                "amount_days": 15.0,
                "days_late": 5.0,
                "late_share": 10.0,
                "broken": 0.0,
                "credit_limit": 0.0,
                "trust": 5.0,
            },
        )
        self.assertEqual(cases[self.alpha].priority_score, 68.25)
        alpha_days = cases[self.alpha].priority_breakdown["factors"][2]
        self.assertEqual(alpha_days["key"], "amount_days")
        self.assertEqual(alpha_days["raw"], 720000.0)
        self.assertEqual(cases[self.alpha].priority, "medium")
        # Beta: ln(601)/ln(12001) = 0.6812 -> 17.03; oldest 12 days -> 0.1 -> 1.5;
        #   amount-days 600*12 = 7200: ln(7201)/ln(720001) = 0.6586 -> 9.88 (9.879);
        #   paid early and on time -> 0; normal debtor -> 2.5.  Total 30.91
        self.assertEqual(cases[self.beta].priority_score, 30.91)
        self.assertEqual(self._points(cases[self.beta])["amount"], 17.03)
        self.assertEqual(self._points(cases[self.beta])["amount_days"], 9.88)
        self.assertEqual(self._points(cases[self.beta])["days_late"], 0.0)
        self.assertEqual(cases[self.beta].priority, "low")
        # Gamma: as Beta (600 for 12 days in company currency) without history nor
        #   trust points (good debtor): 17.03 + 1.5 + 9.879 = 28.41
        self.assertEqual(cases[self.gamma].priority_score, 28.41)
        # Delta: ln(3001)/ln(12001) = 0.8524 -> 21.31; oldest 6 days -> 0.05 -> 0.75;
        #   amount-days 3000*6 = 18000 (the 500 are not due): ln(18001)/ln(720001)
        #   = 0.7265 -> 10.90 (10.8975); 3500 open above a 2000 limit -> 5;
        #   normal debtor -> 2.5.  Total 40.46 (40.4575)
        self.assertEqual(cases[self.delta].priority_score, 40.46)
        self.assertEqual(cases[self.delta].priority, "medium")
        delta_credit = cases[self.delta].priority_breakdown["factors"][6]
        self.assertEqual(delta_credit["key"], "credit_limit")
        self.assertEqual(delta_credit["raw"], 1500.0)
        self.assertEqual(delta_credit["points"], 5.0)
        self.assertEqual(
            self.Case.search([("partner_id", "in", self.customers.ids)]).partner_id,
            self.alpha | self.delta | self.beta | self.gamma,
            "the worklist calls the highest score first",
        )

    def test_breakdown_adds_up_to_the_score(self):
        cases = self._score()
        for case in cases.values():
            factors = case.priority_breakdown["factors"]
            self.assertEqual(len(factors), 8)
            self.assertAlmostEqual(
                sum(f["points"] for f in factors), case.priority_score, places=6
            )
            for factor in factors:
                self.assertLessEqual(0.0, factor["normalised"])
                self.assertLessEqual(factor["normalised"], 1.0)
        html = str(cases[self.alpha].priority_breakdown_html)
        self.assertIn("Amount overdue", html)
        self.assertIn("68.25", html)
        self.assertIn("Amount × days overdue", html)
        self.assertIn("Bad Debtor", html)
        self.assertEqual(cases[self.alpha].priority_score_date, TODAY)

    def test_foreign_currency_compared_in_company_currency(self):
        cases = self._score()
        gamma = cases[self.gamma].priority_breakdown["factors"][0]
        beta = cases[self.beta].priority_breakdown["factors"][0]
        self.assertEqual(gamma["raw"], 600.0)  # 1200 EUR at 2 EUR per unit
        self.assertEqual(gamma["normalised"], beta["normalised"])
        gamma_days = cases[self.gamma].priority_breakdown["factors"][2]
        self.assertEqual(gamma_days["raw"], 7200.0)  # 600 x 12 days

    def test_zero_weight_removes_its_factor(self):
        self.company.collection_score_weight_trust = 0
        cases = self._score()
        alpha = cases[self.alpha]
        self.assertNotIn("trust", self._points(alpha))
        # the other weights now add up to 95: 100 * 63.25 / 95
        self.assertAlmostEqual(alpha.priority_score, 6325 / 95, delta=0.005)
        self.assertAlmostEqual(
            sum(self._points(alpha).values()), alpha.priority_score, places=6
        )
        self.company.write(
            {
                field: 0
                for _key, field in self.Case._get_priority_factors()
                if field != "collection_score_weight_amount"
            }
        )
        cases = self._score()
        self.assertEqual(list(self._points(cases[self.beta])), ["amount"])
        self.assertEqual(cases[self.beta].priority_score, 68.12)

    def test_more_overdue_never_lowers_a_score(self):
        before = {p: c.priority_score for p, c in self._score().items()}
        # more owed at the same ages: a second invoice due with the first one
        self._invoice(self.beta, 500.0, days_ago(12))
        # the biggest debtor owes even more, on an invoice as old as its oldest
        self._invoice(self.alpha, 5000.0, days_ago(66))
        after = self._score()
        self.assertGreater(after[self.beta].priority_score, before[self.beta])
        # Alpha's amount and amount-days factors were full (the largest): they stay
        # full, its score stays (the others' relative factors may drop)
        self.assertEqual(after[self.alpha].priority_score, before[self.alpha])
        self.assertEqual(
            after[self.alpha].priority_breakdown["factors"][2]["raw"],
            720000.0 + 5000 * 66,
        )

    def test_older_debts_never_lower_a_score(self):
        before = {p: c.priority_score for p, c in self._score().items()}
        with freeze_time(TODAY + timedelta(days=20)):
            after = self._score()
        for partner, score in before.items():
            self.assertGreater(after[partner].priority_score, score, partner.name)

    def test_worse_history_never_lowers_a_score(self):
        before = self._score()[self.beta].priority_score
        late = self._invoice(self.beta, 300.0, days_ago(50), days_ago(80))
        self._pay(late, 300.0, days_ago(20))
        beta = self._score()[self.beta]
        # (0 + 0 + 30) / 3 = 10 days late -> 10/60 * 10; 1 of 3 late -> 1/3 * 10
        self.assertEqual(self._points(beta)["days_late"], 1.67)
        self.assertEqual(self._points(beta)["late_share"], 3.33)
        self.assertGreater(beta.priority_score, before)
        before = beta.priority_score
        self.beta.with_company(self.company).trust = "bad"
        self.assertGreater(self._score()[self.beta].priority_score, before)

    def test_new_young_invoice_never_lowers_a_score(self):
        """The former amount-weighted average age fell here (Alpha 60.75 -> 58.65):
        a young invoice lowered the average. Amount-days only grow."""
        before = {p: c.priority_score for p, c in self._score().items()}
        self._invoice(self.alpha, 3000.0, days_ago(1))
        self._invoice(self.beta, 3000.0, days_ago(1))
        after = self._score()
        # Alpha's amount and amount-days factors were full already: unchanged
        self.assertEqual(after[self.alpha].priority_score, before[self.alpha])
        # Beta: amount ln(3601)/ln(15001) = 0.8516 -> 21.29, amount-days
        #   600*12 + 3000*1 = 10200: ln(10201)/ln(723001) = 0.6842 -> 10.26
        self.assertEqual(self._points(after[self.beta])["amount"], 21.29)
        self.assertEqual(self._points(after[self.beta])["amount_days"], 10.26)
        self.assertGreater(after[self.beta].priority_score, before[self.beta])

    def _scores(self):
        return {partner: case.priority_score for partner, case in self._score().items()}

    def _pay_later(self, invoice, days):
        """Pay ``invoice`` ``days`` later than it was: cancel its payment, pay again."""
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        paid_on = max(receivable.matched_credit_ids.mapped("max_date"))
        payments = receivable.matched_credit_ids.credit_move_id.payment_id
        receivable.remove_move_reconcile()
        payments.action_draft()
        payments.action_cancel()
        self._pay(invoice, invoice.amount_total, min(paid_on + timedelta(days), TODAY))

    def _assert_never_lower(self, scores, partner, what):
        after = self._scores()
        self.assertGreaterEqual(
            after[partner], scores[partner], f"{what} lowered {partner.name}'s score"
        )
        return after, after[partner] > scores[partner]

    def test_monotonic_on_generated_variations(self):
        """Property: for generated (seeded, so repeatable) variations of the fixture,
        more overdue debt of any age and amount, older debts or a worse history never
        lower that customer's score, the rest of the portfolio unchanged."""
        rng = random.Random(6)
        customers = [self.alpha, self.beta, self.gamma, self.delta]
        scores = self._scores()
        rises = []
        for _i in range(6):
            partner = rng.choice(customers)
            amount = round(rng.uniform(1.0, 20000.0), 2)  # some beyond the largest
            age = rng.randint(1, 400)
            currency = rng.choice([None, self.other_currency])
            self._invoice(partner, amount, days_ago(age), currency=currency)
            what = f"an invoice of {amount} {currency and currency.name} {age} days old"
            scores, rose = self._assert_never_lower(scores, partner, what)
            rises.append(rose)
        self.assertTrue(any(rises), "more debt raised some score")
        rises = []
        for _i in range(5):
            partner = rng.choice(customers)
            lines = self.env["account.move.line"].search(
                [
                    ("partner_id", "=", partner.id),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                ],
                order="id",
            )
            line = rng.choice(lines)
            days = rng.randint(1, 90)
            line.date_maturity -= timedelta(days=days)
            what = f"an invoice {days} days older"
            scores, rose = self._assert_never_lower(scores, partner, what)
            rises.append(rose)
        self.assertTrue(any(rises), "older debts raised some score")
        rises = []
        for invoice in self.paid_invoices:
            days = rng.randint(5, 60)
            self._pay_later(invoice, days)
            what = f"a payment {days} days later"
            scores, rose = self._assert_never_lower(scores, invoice.partner_id, what)
            rises.append(rose)
        for _i in range(3):
            partner = rng.choice(customers)
            case = self.cases.filtered(lambda c, p=partner: c.partner_id == p)
            case._create_promise(TODAY, 10.0).state = "broken"
            scores, rose = self._assert_never_lower(scores, partner, "a broken promise")
            rises.append(rose)
        worse = {"good": "normal", "normal": "bad", "bad": "bad"}
        for partner in customers:
            partner = partner.with_company(self.company)
            partner.trust = worse[partner.trust or "normal"]
            scores, rose = self._assert_never_lower(scores, partner, "less trust")
            rises.append(rose)
        self.assertTrue(rises[0], "paying 30 days late even later raised Alpha's score")
        self.assertTrue(any(rises), "a worse history raised some score")

    def test_broken_promise_raises_the_score(self):
        cases = self._score()
        case = cases[self.beta]
        before = case.priority_score
        self.assertEqual(case.priority_breakdown["factors"][5]["raw"], 0)
        promise = case._create_promise(TODAY, 10.0)
        promise.state = "broken"
        case = self._score()[self.beta]
        self.assertEqual(case.priority_breakdown["factors"][5]["raw"], 1)
        self.assertGreater(case.priority_score, before)

    def test_thresholds_are_configured_per_company(self):
        self.company.collection_priority_high_threshold = 60.0
        self.company.collection_priority_medium_threshold = 35.0
        cases = self._score()
        self.assertEqual(cases[self.alpha].priority, "high")
        self.assertEqual(cases[self.delta].priority, "medium")
        self.assertEqual(cases[self.beta].priority, "low")

    def test_invalid_settings_are_refused(self):
        with self.assertRaises(ValidationError):
            self.company.collection_score_weight_amount = -1
        with self.assertRaises(ValidationError):
            self.company.write(
                {
                    "collection_priority_high_threshold": 50.0,
                    "collection_priority_medium_threshold": 60.0,
                }
            )
        with self.assertRaises(ValidationError):
            self.company.collection_score_history_months = 0

    def test_refresh_scores_open_cases_of_the_given_companies_only(self):
        company_2 = self.setup_other_company(name="Second Company")["company"]
        other = self._customer("Omega")
        self._invoice(other, 800.0, days_ago(40), company=company_2)
        self.Case._sync_cases(companies=company_2)
        other_case = self.Case.search([("partner_id", "=", other.id)])
        self.Case._compute_priority_scores(self.company)
        self.cases.filtered(
            lambda c: c.partner_id == self.gamma
        ).stage_id = self.Stage._get_closed_stage(self.company)
        self.assertEqual(self.Case._compute_priority_scores(self.company), 3)
        cases = {case.partner_id: case for case in self.cases}
        self.assertFalse(cases[self.gamma].priority)
        self.assertEqual(cases[self.gamma].priority_score, 0.0)
        self.assertFalse(other_case.priority_breakdown)
        self.assertEqual(self.Case._compute_priority_scores(company_2), 1)
        # alone in its portfolio, Omega is its company's biggest debtor
        self.assertEqual(other_case.priority_breakdown["factors"][0]["normalised"], 1.0)

    def test_views_show_the_priority(self):
        views = self.Case.with_user(self.collections_manager).get_views(
            [(False, "list"), (False, "kanban"), (False, "form")]
        )["views"]
        self.assertIn('name="priority"', views["list"]["arch"])
        self.assertIn("action_recompute_priority_scores", views["list"]["arch"])
        self.assertIn('name="priority_badge"', views["kanban"]["arch"])
        self.assertIn("priority_breakdown_html", views["form"]["arch"])
        collector_list = self.Case.with_user(self.collector).get_views(
            [(False, "list")]
        )["views"]["list"]["arch"]
        self.assertNotIn("action_recompute_priority_scores", collector_list)
        settings = self.env["res.config.settings"].get_views([(False, "form")])
        arch = settings["views"]["form"]["arch"]
        self.assertIn("collection_score_weight_amount", arch)
        self.assertIn("collection_priority_high_threshold", arch)

    def test_recompute_button_is_for_managers(self):
        with self.assertRaises(AccessError):
            self.Case.with_user(self.collector).action_recompute_priority_scores()
        self.assertEqual(self.cases.mapped("priority_score"), [0.0] * 4)
        self.cases[0].with_user(
            self.collections_manager
        ).action_recompute_priority_scores()
        self.assertEqual(
            self.cases.filtered(lambda c: c.partner_id == self.alpha).priority_score,
            68.25,
        )
        # the form button scores the whole company: amounts are relative
        self.assertNotIn(0.0, self.cases.mapped("priority_score"))


@tagged("post_install", "-at_install", "is_query_count")
class TestPriorityScoreQueries(CollectionsCase):
    """The refresh costs the same number of queries for 10 or 200 cases."""

    def _portfolio(self, customers, prefix):
        result = generate_portfolio(
            self.env,
            customers=customers,
            open_per_customer=3,
            paid_per_customer=2,
            company=self.company,
            prefix=prefix,
        )
        self.Case._sync_cases(companies=self.company)
        return result

    def test_generated_portfolio_is_valid_accounting(self):
        result = self._portfolio(5, "Check")
        open_invoices, paid = result["open_invoices"], result["paid_invoices"]
        self.assertEqual(len(open_invoices), 15)
        self.assertEqual(len(paid), 10)
        self.assertEqual(set((open_invoices | paid).mapped("state")), {"posted"})
        self.assertEqual(set(paid.mapped("payment_state")), {"paid"})
        self.assertEqual(set(open_invoices.mapped("payment_state")), {"not_paid"})
        receivables = paid.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertTrue(all(receivables.mapped("reconciled")))
        self.assertTrue(all(receivables.full_reconcile_id))
        for move in (
            open_invoices | paid | receivables.matched_credit_ids.credit_move_id.move_id
        ):
            self.assertEqual(
                move.currency_id.compare_amounts(
                    sum(move.line_ids.mapped("debit")),
                    sum(move.line_ids.mapped("credit")),
                ),
                0,
            )
        self.assertEqual(
            len(self.Case.search([("partner_id", "in", result["partners"].ids)])), 5
        )

    def _count_queries(self):
        """Cases scored and queries run (assertQueryCount only fails above)."""
        self.env.invalidate_all()
        with self.assertQueryCount(QUERIES):
            before = self.env.cr.sql_log_count
            scored = self.Case._compute_priority_scores(self.company)
            count = self.env.cr.sql_log_count - before
        return scored, count

    def test_query_count_does_not_grow_with_cases(self):
        self._portfolio(10, "Small")
        self.Case._compute_priority_scores(self.company)  # warm the caches
        small = self._count_queries()
        self._portfolio(190, "Large")
        large = self._count_queries()
        self.assertEqual(small[0], 10)
        self.assertEqual(large[0], 200)
        self.assertEqual(small[1], QUERIES)
        self.assertEqual(large[1], QUERIES, "same queries for 10 and 200 cases")
        cases = self.Case.search([("company_id", "=", self.company.id)])
        self.assertNotIn(0.0, cases.mapped("priority_score"))
        self.assertEqual(set(cases.mapped("priority_score_date")), {TODAY})
