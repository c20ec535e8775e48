from odoo import fields, models
from odoo.tools import SQL, sql


class CollectionCaseInvoice(models.Model):
    """An invoice in a case, with the collection state of that invoice.

    A narrow table of our own: the daily run writes the case link, the reminder level
    and the reminder count of thousands of invoices a night, and rewriting rows of
    ``account_move`` (a wide table with some thirty indexes) costs about a millisecond
    a row. ``account.move`` shows these values through computed fields.
    """

    _name = "collection.case.invoice"
    _description = "Collection Case Invoice"
    _order = "id"
    _log_access = False  # a technical table: no user columns, two foreign keys fewer

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, ondelete="cascade"
    )
    case_id = fields.Many2one(
        "collection.case", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="case_id.company_id")
    level_id = fields.Many2one(
        "collection.stage",
        ondelete="set null",
        help="Highest ladder stage this invoice has reached.",
    )
    reminder_count = fields.Integer()
    last_reminder_date = fields.Date()

    _sql_constraints = [
        ("move_uniq", "UNIQUE(move_id)", "An invoice belongs to one case."),
    ]

    def init(self):
        if not sql.table_exists(self.env.cr, self._table):
            return
        # room in each page for the daily run's updates (HOT: no index is rewritten)
        self.env.cr.execute(
            SQL("ALTER TABLE %s SET (fillfactor = 70)", SQL.identifier(self._table))
        )
        # databases made before this table kept these values on account_move
        if not sql.column_exists(self.env.cr, "account_move", "collection_case_id"):
            return
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO collection_case_invoice (
                       move_id, case_id, level_id, reminder_count, last_reminder_date)
                SELECT id, collection_case_id, collection_level_id,
                       collection_reminder_count, collection_last_reminder_date
                  FROM account_move
                 WHERE collection_case_id IS NOT NULL
                ON CONFLICT DO NOTHING
                """
            )
        )
        self.env.cr.execute(
            SQL(
                "ALTER TABLE account_move DROP COLUMN collection_case_id, "
                "DROP COLUMN IF EXISTS collection_level_id, "
                "DROP COLUMN IF EXISTS collection_reminder_count, "
                "DROP COLUMN IF EXISTS collection_last_reminder_date"
            )
        )
