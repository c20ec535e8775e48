"""The worklist's first page costs the same whatever the number of invoices."""

from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .common import TODAY, CollectionsCase

PAGE = 80
MANY2ONE = {"fields": {"display_name": {}}}
# what the worklist list view (collection_case_view_list) reads for a page
LIST_SPEC = {
    "partner_id": MANY2ONE,
    "stage_id": MANY2ONE,
    "stage_kind": {},
    "user_id": MANY2ONE,
    "amount_overdue": {},
    "amount_due": {},
    "days_overdue": {},
    "oldest_due_date": {},
    "next_action_date": {},
    "activity_ids": {},
    "activity_exception_decoration": {},
    "activity_exception_icon": {},
    "activity_state": {},
    "activity_summary": {},
    "activity_type_icon": {},
    "activity_type_id": MANY2ONE,
    "last_contact_date": {},
    "company_id": MANY2ONE,
    "currency_id": MANY2ONE,
}


@tagged("post_install", "-at_install")
class TestWorklistQueries(CollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Customer {i:03d}", "is_company": True} for i in range(PAGE)]
        )
        cls._bulk_invoices(cls.customers, per_customer=1)
        cls.Case._sync_cases(companies=cls.company)
        cls.cases = cls.Case.search([("partner_id", "in", cls.customers.ids)])
        # a call activity on every case, as the daily run schedules them
        for case in cls.cases:
            case.activity_schedule("mail.mail_activity_data_call", date_deadline=TODAY)

    @classmethod
    def _bulk_invoices(cls, customers, per_customer):
        """Posted invoices, created and posted in one batch."""
        vals_list = [
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": TODAY - timedelta(days=40 + n),
                "invoice_date_due": TODAY - timedelta(days=10 + n),
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Service", "price_unit": 100.0 + n, "tax_ids": []}
                    )
                ],
            }
            for customer in customers
            for n in range(per_customer)
        ]
        moves = cls.env["account.move"].create(vals_list)
        moves.action_post()
        return moves

    def _read_first_page(self):
        self.env.invalidate_all()
        return self.Case.web_search_read(
            [("partner_id", "in", self.customers.ids)], LIST_SPEC, limit=PAGE
        )

    def test_first_page_query_count_does_not_grow_with_invoices(self):
        self._read_first_page()  # warm the caches that do not depend on data
        with self.assertQueryCount(13):
            page = self._read_first_page()
        self.assertEqual(page["length"], PAGE)
        self.assertEqual(len(page["records"]), PAGE)

        self._bulk_invoices(self.customers, per_customer=49)
        self.Case._sync_cases(companies=self.company)
        self.assertEqual(set(self.cases.mapped("invoice_count")), {50})
        with self.assertQueryCount(13):
            page = self._read_first_page()
        self.assertEqual(len(page["records"]), PAGE)

    def test_first_page_sorted_by_amount_overdue(self):
        page = self._read_first_page()["records"]
        amounts = [record["amount_overdue"] for record in page]
        self.assertEqual(amounts, sorted(amounts, reverse=True))
