from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    collection_case_id = fields.Many2one(
        "collection.case", copy=False, index="btree_not_null"
    )
    collection_level_id = fields.Many2one(
        "collection.stage",
        copy=False,
        help="Highest ladder stage this invoice has reached.",
    )
    collection_last_reminder_date = fields.Date(string="Last Reminder", copy=False)
    collection_reminder_count = fields.Integer(string="Reminders Sent", copy=False)
    collection_excluded = fields.Boolean(
        string="Excluded from Collections",
        copy=False,
        tracking=True,
        help="Excluded invoices (e.g. disputed) count in no amount and get no reminder.",
    )
    collection_excluded_reason = fields.Char(string="Exclusion Reason", copy=False)

    def write(self, vals):
        res = super().write(vals)
        if "collection_excluded" in vals:
            self._collection_resync()
        return res

    def _collection_resync(self):
        invoices = self.filtered(lambda m: m.is_sale_document(include_receipts=True))
        for company in invoices.company_id:
            company_invoices = invoices.filtered(lambda m, c=company: m.company_id == c)
            self.env["collection.case"].sudo()._sync_cases(
                companies=company, partners=company_invoices.commercial_partner_id
            )
