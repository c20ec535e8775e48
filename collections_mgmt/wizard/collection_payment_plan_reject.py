from odoo import fields, models


class CollectionPaymentPlanReject(models.TransientModel):
    _name = "collection.payment.plan.reject"
    _description = "Reject a Payment Plan"

    plan_id = fields.Many2one("collection.payment.plan", required=True)
    reason = fields.Text(required=True)

    def action_reject(self):
        self.ensure_one()
        self.plan_id._reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
