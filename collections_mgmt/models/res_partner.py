from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

# longest do-not-contact reason accepted, in characters
DO_NOT_CONTACT_REASON_MAX = 256


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

    # ------------------------------------------------------------------
    # Payment plans and promises to pay (issue 6): payment history
    # ------------------------------------------------------------------

    collection_broken_plan_count = fields.Integer(
        compute="_compute_collection_plan_history",
        string="Broken Payment Plans",
        help="Payment plans of this customer broken by a missed instalment.",
    )
    collection_kept_promise_count = fields.Integer(
        compute="_compute_collection_plan_history", string="Kept Promises"
    )
    collection_broken_promise_count = fields.Integer(
        compute="_compute_collection_plan_history", string="Broken Promises"
    )

    def _compute_collection_plan_history(self):
        partners = self.commercial_partner_id
        plans = dict(
            self.env["collection.payment.plan"]._read_group(
                [("partner_id", "in", partners.ids), ("state", "=", "broken")],
                ["partner_id"],
                ["__count"],
            )
        )
        promises = {
            (partner, state): count
            for partner, state, count in self.env["collection.promise"]._read_group(
                [
                    ("partner_id", "in", partners.ids),
                    ("state", "in", ("kept", "broken")),
                ],
                ["partner_id", "state"],
                ["__count"],
            )
        }
        for partner in self:
            commercial = partner.commercial_partner_id
            partner.collection_broken_plan_count = plans.get(commercial, 0)
            partner.collection_kept_promise_count = promises.get(
                (commercial, "kept"), 0
            )
            partner.collection_broken_promise_count = promises.get(
                (commercial, "broken"), 0
            )

    # ------------------------------------------------------------------
    # Hardening (issue 9): an oversized do-not-contact reason is refused
    # ------------------------------------------------------------------

    @api.constrains("collection_do_not_contact_reason")
    def _check_collection_do_not_contact_reason(self):
        for partner in self:
            if len(partner.collection_do_not_contact_reason or "") > (
                DO_NOT_CONTACT_REASON_MAX
            ):
                raise ValidationError(
                    _(
                        "The do-not-contact reason has at most %(max)s characters.",
                        max=DO_NOT_CONTACT_REASON_MAX,
                    )
                )
