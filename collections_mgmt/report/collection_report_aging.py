from odoo import api, fields, models
from odoo.tools import SQL

BUCKETS = [
    ("not_due", "Not due"),
    ("1_30", "1-30"),
    ("31_60", "31-60"),
    ("61_90", "61-90"),
    ("90_plus", "90+"),
]


class CollectionReportAging(models.Model):
    """Open receivables by age, one row per open receivable journal item.

    The days overdue count from today (the user's today, so a frozen clock
    freezes the report too): the query is built per request in
    ``_table_query`` rather than stored as a database view.
    """

    _name = "collection.report.aging"
    _description = "Receivables Aging"
    _auto = False
    _rec_name = "move_id"
    _order = "date_due, id"

    move_id = fields.Many2one("account.move", string="Document", readonly=True)
    move_type = fields.Selection(
        [
            ("out_invoice", "Customer Invoice"),
            ("out_refund", "Customer Credit Note"),
            ("out_receipt", "Sales Receipt"),
            ("entry", "Journal Entry"),
            ("in_invoice", "Vendor Bill"),
            ("in_refund", "Vendor Credit Note"),
            ("in_receipt", "Purchase Receipt"),
        ],
        string="Type",
        readonly=True,
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    case_id = fields.Many2one("collection.case", readonly=True)
    user_id = fields.Many2one("res.users", string="Collector", readonly=True)
    stage_id = fields.Many2one("collection.stage", readonly=True)
    date = fields.Date(string="Accounting Date", readonly=True)
    date_due = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(readonly=True, aggregator="max")
    bucket = fields.Selection(BUCKETS, readonly=True)
    excluded = fields.Boolean(
        readonly=True,
        help="The document is excluded from collections (e.g. disputed).",
    )
    amount_residual = fields.Monetary(
        string="Open Amount",
        currency_field="company_currency_id",
        readonly=True,
        aggregator="sum",
    )
    amount_not_due = fields.Monetary(
        string="Not Due",
        currency_field="company_currency_id",
        readonly=True,
        aggregator="sum",
    )
    amount_1_30 = fields.Monetary(
        string="1-30", currency_field="company_currency_id", readonly=True
    )
    amount_31_60 = fields.Monetary(
        string="31-60", currency_field="company_currency_id", readonly=True
    )
    amount_61_90 = fields.Monetary(
        string="61-90", currency_field="company_currency_id", readonly=True
    )
    amount_90_plus = fields.Monetary(
        string="90+", currency_field="company_currency_id", readonly=True
    )
    amount_overdue = fields.Monetary(
        string="Overdue", currency_field="company_currency_id", readonly=True
    )
    amount_residual_currency = fields.Monetary(
        string="Open Amount in Currency",
        currency_field="currency_id",
        readonly=True,
        aggregator=None,
    )

    _depends = {
        "account.move.line": [
            "move_id",
            "partner_id",
            "company_id",
            "currency_id",
            "account_id",
            "date",
            "date_maturity",
            "amount_residual",
            "amount_residual_currency",
            "reconciled",
            "parent_state",
        ],
        "account.move": ["move_type", "collection_excluded"],
        "account.account": ["account_type"],
        "res.partner": ["commercial_partner_id"],
        "collection.case": ["partner_id", "company_id", "user_id", "stage_id"],
    }

    @property
    def _table_query(self):
        return self._aging_query(fields.Date.context_today(self))

    @api.model
    def _aging_query(self, today):
        """The rows of the report, aged on ``today``."""
        days = SQL("(%s::date - COALESCE(aml.date_maturity, aml.date))", today)
        return SQL(
            """
            SELECT aml.id,
                   aml.move_id,
                   move.move_type,
                   partner.commercial_partner_id AS partner_id,
                   aml.company_id,
                   aml.company_currency_id,
                   aml.currency_id,
                   case_.id AS case_id,
                   case_.user_id,
                   case_.stage_id,
                   aml.date,
                   COALESCE(aml.date_maturity, aml.date) AS date_due,
                   GREATEST(%(days)s, 0) AS days_overdue,
                   CASE WHEN %(days)s <= 0 THEN 'not_due'
                        WHEN %(days)s <= 30 THEN '1_30'
                        WHEN %(days)s <= 60 THEN '31_60'
                        WHEN %(days)s <= 90 THEN '61_90'
                        ELSE '90_plus'
                   END AS bucket,
                   COALESCE(move.collection_excluded, FALSE) AS excluded,
                   aml.amount_residual,
                   CASE WHEN %(days)s <= 0 THEN aml.amount_residual ELSE 0 END
                       AS amount_not_due,
                   CASE WHEN %(days)s BETWEEN 1 AND 30 THEN aml.amount_residual ELSE 0 END
                       AS amount_1_30,
                   CASE WHEN %(days)s BETWEEN 31 AND 60 THEN aml.amount_residual ELSE 0 END
                       AS amount_31_60,
                   CASE WHEN %(days)s BETWEEN 61 AND 90 THEN aml.amount_residual ELSE 0 END
                       AS amount_61_90,
                   CASE WHEN %(days)s > 90 THEN aml.amount_residual ELSE 0 END
                       AS amount_90_plus,
                   CASE WHEN %(days)s > 0 THEN aml.amount_residual ELSE 0 END
                       AS amount_overdue,
                   aml.amount_residual_currency
              FROM account_move_line aml
              JOIN account_move move ON move.id = aml.move_id
              JOIN account_account account ON account.id = aml.account_id
         LEFT JOIN res_partner partner ON partner.id = aml.partner_id
         LEFT JOIN collection_case case_
                ON case_.partner_id = partner.commercial_partner_id
               AND case_.company_id = aml.company_id
             WHERE aml.parent_state = 'posted'
               AND account.account_type = 'asset_receivable'
               AND NOT aml.reconciled
               AND aml.amount_residual != 0
            """,
            days=days,
        )
