"""Shared fixtures: companies, customers and posted invoices built once per class."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

TODAY = date(2026, 6, 30)


class CollectionsCase(AccountTestInvoicingCommon):
    """Accounting data plus collections users; the clock stops at ``freeze_date``."""

    freeze_date = TODAY

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.freeze_date:
            cls.startClassPatcher(freeze_time(cls.freeze_date))
        cls.company = cls.company_data["company"]
        cls.receivable = cls.company_data["default_account_receivable"]
        cls.collector = new_test_user(
            cls.env,
            login="collector",
            name="Carla Collector",
            groups="base.group_user,collections_mgmt.group_collections_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.collections_manager = new_test_user(
            cls.env,
            login="colmanager",
            name="Manon Manager",
            groups="base.group_user,collections_mgmt.group_collections_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.internal_user = new_test_user(
            cls.env,
            login="internal",
            name="Ines Internal",
            groups="base.group_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.Case = cls.env["collection.case"]
        cls.Stage = cls.env["collection.stage"]

    @classmethod
    def _customer(cls, name, **values):
        return cls.env["res.partner"].create(
            {"name": name, "is_company": True, "email": f"{name.lower()}@example.com"}
            | values
        )

    @classmethod
    def _invoice(
        cls,
        partner,
        amount,
        due,
        invoice_date=None,
        currency=None,
        company=None,
        move_type="out_invoice",
    ):
        """A posted customer invoice of ``amount`` (tax excluded) due on ``due``."""
        company = company or cls.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_date": invoice_date or due,
                    "invoice_date_due": due,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Service",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        move.action_post()
        return move

    @classmethod
    def _pay(cls, invoice, amount, pay_date=None):
        """Register a payment of ``amount`` (invoice currency) on ``invoice``."""
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "amount": amount,
                    "payment_date": pay_date or (cls.freeze_date or date.today()),
                    "payment_difference_handling": "open",
                }
            )
        )
        return wizard._create_payments()
