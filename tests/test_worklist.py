"""The worklist's first page costs the same whatever the number of invoices."""

from odoo.tests import tagged

from bench.generate import generate_portfolio
from bench.measure import LIST_SPEC, PAGE

from .common import TODAY, CollectionsCase


@tagged("post_install", "-at_install")
class TestWorklistQueries(CollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 80 customers with one open invoice each, 80 with 50 each (4,000 invoices:
        # the benchmark generator copies them in SQL from ORM-made templates)
        cls.few = cls._portfolio("Few", open_per_customer=1)
        cls.many = cls._portfolio("Many", open_per_customer=50)
        cls.Case._sync_cases(companies=cls.company)
        cls.cases = cls.Case.search([])
        # a call activity on every case, as the daily run schedules them
        for case in cls.cases:
            case.activity_schedule("mail.mail_activity_data_call", date_deadline=TODAY)

    @classmethod
    def _portfolio(cls, prefix, open_per_customer):
        result = generate_portfolio(
            cls.env,
            customers=PAGE,
            open_per_customer=open_per_customer,
            paid_per_customer=0,
            company=cls.company,
            open_days=150,
            prefix=prefix,
        )
        return result["partners"]

    def _read_first_page(self, partners):
        self.env.invalidate_all()
        return self.Case.web_search_read(
            [("partner_id", "in", partners.ids)], LIST_SPEC, limit=PAGE
        )

    def test_first_page_query_count_does_not_grow_with_invoices(self):
        self._read_first_page(self.few)  # warm the caches that do not depend on data
        with self.assertQueryCount(13):
            few_page = self._read_first_page(self.few)
        with self.assertQueryCount(13):
            many_page = self._read_first_page(self.many)
        self.assertGreater(len(few_page["records"]), PAGE / 2)
        self.assertEqual(len(many_page["records"]), PAGE)
        many_cases = self.Case.browse([r["id"] for r in many_page["records"]])
        self.assertGreaterEqual(min(many_cases.mapped("invoice_count")), 40)
        self.assertEqual(
            max(
                self.Case.search([("partner_id", "in", self.few.ids)]).mapped(
                    "invoice_count"
                )
            ),
            1,
        )

    def test_first_page_sorted_by_priority_then_amount_overdue(self):
        page = self._read_first_page(self.many)["records"]
        cases = self.Case.browse([record["id"] for record in page])
        keys = [(case.priority_score, case.amount_overdue) for case in cases]
        self.assertEqual(keys, sorted(keys, reverse=True))
