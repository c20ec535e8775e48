from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# longest rejection reason accepted, in characters
REJECT_REASON_MAX = 2000


class CollectionPaymentPlanReject(models.TransientModel):
    _name = "collection.payment.plan.reject"
    _description = "Reject a Payment Plan"

    plan_id = fields.Many2one("collection.payment.plan", required=True)
    reason = fields.Text(required=True)

    @api.constrains("reason")
    def _check_reason_length(self):
        for wizard in self:
            if len(wizard.reason or "") > REJECT_REASON_MAX:
                raise ValidationError(
                    _(
                        "The reason for rejecting a payment plan has at most "
                        "%(max)s characters.",
                        max=REJECT_REASON_MAX,
                    )
                )

    def action_reject(self):
        self.ensure_one()
        self.plan_id._reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
