"""Fixtures of the hardening tests: plans in every state, two companies, five roles.

The HTTP server runs on the real clock, so these fixtures use dates relative to
today (no frozen date).
"""

import re
from datetime import date, timedelta

from odoo import Command
from odoo.tests import new_test_user

from .common_payment_plan import PaymentPlanCase


def docs_table_rows(path):
    """The rows of the first Markdown table of ``path``, as lists of cells."""
    rows = []
    for line in path.read_text().splitlines():
        if line.startswith("|") and not set(line) <= set("|-: "):
            cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
            rows.append([cell.strip() for cell in cells])
    return rows[1:]


class HardeningCase(PaymentPlanCase):
    freeze_date = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = date.today()
        past = today - timedelta(days=20)
        cls.soon = today + timedelta(days=7)
        cls.company_b = cls.setup_other_company(name="Hardening B Co")["company"]
        cls.admin_user = new_test_user(
            cls.env,
            login="hardening_admin",
            name="Ada Admin",
            groups="base.group_user,base.group_system,base.group_partner_manager,"
            "collections_mgmt.group_collections_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.collector_b = new_test_user(
            cls.env,
            login="collector_b",
            name="Bob B-Collector",
            groups="base.group_user,collections_mgmt.group_collections_user",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )

        # the main customer's other invoices, each invalid in a plan for its reason
        cls.invoice_paid = cls._invoice(cls.customer, 80.0, past)
        cls._pay(cls.invoice_paid, 80.0, pay_date=today)
        cls.invoice_disputed = cls._invoice(cls.customer, 70.0, past)
        cls.invoice_disputed.collection_excluded = True
        cls.invoice_held = cls._invoice(cls.customer, 120.0, past)
        eur = cls.setup_other_currency("EUR")
        cls.invoice_other_currency = cls._invoice(
            cls.customer, 100.0, past, currency=eur
        )
        cls.invoice_company_b = cls._invoice(
            cls.customer, 250.0, past, company=cls.company_b
        )
        cls.other_customer = cls._customer("Other Debtor")
        cls.invoice_other_customer = cls._invoice(cls.other_customer, 150.0, past)
        cls.Case._sync_cases(companies=cls.company, partners=cls.customer)
        cls.Case._sync_cases(companies=cls.company_b, partners=cls.customer)
        cls.case_b = cls.Case.search(
            [
                ("partner_id", "=", cls.customer.id),
                ("company_id", "=", cls.company_b.id),
            ]
        )
        cls.stage_b = cls.Stage.create(
            {"name": "B only", "kind": "manual", "company_id": cls.company_b.id}
        )

        # plans: draft, active (holding invoice_held), to approve, own, broken, big
        cls.plan_draft = cls._plan(date_first_due=cls.soon)
        cls.plan_active = cls._plan(invoices=cls.invoice_held, date_first_due=cls.soon)
        cls.plan_active.with_user(cls.collector).action_activate()
        cls.plan_cancelled = cls._plan(invoices=cls.invoice_b, date_first_due=cls.soon)
        cls.plan_cancelled.with_user(cls.collector).action_cancel()
        cls.submit_customer, cls.submit_case = cls._debtor("Submit Debtor", 400.0)
        cls.plan_to_approve = cls._plan(
            case=cls.submit_case,
            invoices=cls.submit_case._collection_open_invoices(),
            date_first_due=cls.soon,
        )
        cls.plan_to_approve.with_user(cls.collector).action_submit()
        _partner, own_case = cls._debtor("Own Debtor", 300.0)
        cls.plan_own = cls._plan(
            case=own_case,
            invoices=own_case._collection_open_invoices(),
            date_first_due=cls.soon,
            user=cls.collections_manager,
        )
        cls.plan_own.with_user(cls.collections_manager).action_submit()
        _partner, broken_case = cls._debtor("Broken Debtor", 200.0)
        cls.plan_broken = cls._plan(
            case=broken_case,
            invoices=broken_case._collection_open_invoices(),
            date_first_due=cls.soon,
        )
        cls.plan_broken.with_user(cls.collector).action_activate()
        cls.plan_broken._write_workflow({"state": "broken"})
        _partner, big_case = cls._debtor("Big Debtor", 9000.0)
        cls.plan_big = cls._plan(
            case=big_case,
            invoices=big_case._collection_open_invoices(),
            date_first_due=cls.soon,
        )
        cls.promise_cancelled = cls.case.with_user(cls.collector)._create_promise(
            cls.soon, 100.0
        )
        cls.promise_cancelled.with_user(cls.collector).action_cancel()

    @classmethod
    def _debtor(cls, name, amount):
        """A customer with one overdue invoice of ``amount`` and its case."""
        partner = cls._customer(name)
        cls._invoice(partner, amount, date.today() - timedelta(days=15))
        cls.Case._sync_cases(companies=cls.company, partners=partner)
        return partner, cls.Case.search(
            [("partner_id", "=", partner.id), ("company_id", "=", cls.company.id)]
        )

    @classmethod
    def _portal_user(cls, login, name, customer):
        """A portal user for a contact of ``customer``, in the first company."""
        contact = cls.env["res.partner"].create(
            {"name": name, "parent_id": customer.id}
        )
        return new_test_user(
            cls.env,
            login=login,
            name=name,
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=cls.company.id,
        )
