from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    # the collection state of the invoice lives in collection.case.invoice (narrow)
    collection_link_ids = fields.One2many("collection.case.invoice", "move_id")
    collection_case_id = fields.Many2one(
        "collection.case",
        compute="_compute_collection_link",
        search="_search_collection_case_id",
    )
    collection_level_id = fields.Many2one(
        "collection.stage",
        compute="_compute_collection_link",
        help="Highest ladder stage this invoice has reached.",
    )
    collection_last_reminder_date = fields.Date(
        string="Last Reminder", compute="_compute_collection_link"
    )
    collection_reminder_count = fields.Integer(
        string="Reminders Sent", compute="_compute_collection_link"
    )
    collection_excluded = fields.Boolean(
        string="Excluded from Collections",
        copy=False,
        tracking=True,
        help="Excluded invoices (e.g. disputed) count in no amount and get no reminder.",
    )
    collection_excluded_reason = fields.Char(string="Exclusion Reason", copy=False)

    @api.depends(
        "collection_link_ids.case_id",
        "collection_link_ids.level_id",
        "collection_link_ids.reminder_count",
        "collection_link_ids.last_reminder_date",
    )
    def _compute_collection_link(self):
        links = (
            self.env["collection.case.invoice"]
            .sudo()
            .search([("move_id", "in", self.ids)])
        )
        link_by_move = {link.move_id.id: link for link in links}
        for move in self:
            link = link_by_move.get(move.id)
            move.collection_case_id = link.case_id if link else False
            move.collection_level_id = link.level_id if link else False
            move.collection_last_reminder_date = (
                link.last_reminder_date if link else False
            )
            move.collection_reminder_count = link.reminder_count if link else 0

    def _search_collection_case_id(self, operator, value):
        return [("collection_link_ids.case_id", operator, value)]

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
