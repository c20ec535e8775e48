from odoo import api, fields, models, tools


class ResPartner(models.Model):
    _inherit = "res.partner"

    collection_case_ids = fields.One2many(
        "collection.case", "partner_id", string="Collection Cases"
    )
    collection_user_id = fields.Many2one(
        "res.users",
        string="Collector",
        company_dependent=True,
        help="Collector of this customer's collection cases.",
    )
    collection_do_not_contact = fields.Boolean(
        string="Do Not Contact",
        tracking=True,
        help="Cease communication: no automated reminder, letter or call task.",
    )
    collection_do_not_contact_reason = fields.Char(string="Do Not Contact Reason")
    collection_amount_overdue = fields.Monetary(
        compute="_compute_collection_amount_overdue",
        string="Overdue (Collections)",
        currency_field="collection_currency_id",
    )
    collection_currency_id = fields.Many2one(
        "res.currency", compute="_compute_collection_amount_overdue"
    )
    collection_case_count = fields.Integer(compute="_compute_collection_amount_overdue")

    @api.depends_context("company")
    def _compute_collection_amount_overdue(self):
        company = self.env.company
        groups = self.env["collection.case"]._read_group(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", company.id),
            ],
            ["partner_id"],
            ["amount_overdue:sum", "__count"],
        )
        totals = {partner: (amount, count) for partner, amount, count in groups}
        for partner in self:
            amount, count = totals.get(partner.commercial_partner_id, (0.0, 0))
            partner.collection_amount_overdue = amount
            partner.collection_case_count = count
            partner.collection_currency_id = company.currency_id

    def action_open_collection_cases(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collections_mgmt.collection_case_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"active_test": False}
        return action

    def _collections_optout_token(self):
        self.ensure_one()
        return tools.hmac(self.env(su=True), "collections_mgmt-optout", self.id)

    def _collections_optout_url(self):
        self.ensure_one()
        return (
            f"{self.get_base_url()}/collections/optout/{self.id}/"
            f"{self._collections_optout_token()}"
        )
