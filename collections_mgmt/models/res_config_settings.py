from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    collection_contact_hour_start = fields.Float(
        related="company_id.collection_contact_hour_start", readonly=False
    )
    collection_contact_hour_end = fields.Float(
        related="company_id.collection_contact_hour_end", readonly=False
    )
    collection_user_id = fields.Many2one(
        related="company_id.collection_user_id", readonly=False
    )

    # Payment plans and promises to pay (issue 6)
    collection_plan_approval_amount = fields.Monetary(
        related="company_id.collection_plan_approval_amount", readonly=False
    )
    collection_plan_approval_instalments = fields.Integer(
        related="company_id.collection_plan_approval_instalments", readonly=False
    )
    collection_plan_approval_days = fields.Integer(
        related="company_id.collection_plan_approval_days", readonly=False
    )
    collection_plan_self_approval = fields.Boolean(
        related="company_id.collection_plan_self_approval", readonly=False
    )
    collection_plan_grace_days = fields.Integer(
        related="company_id.collection_plan_grace_days", readonly=False
    )
    collection_plan_reminder_days = fields.Integer(
        related="company_id.collection_plan_reminder_days", readonly=False
    )
    collection_plan_write_off_account_id = fields.Many2one(
        related="company_id.collection_plan_write_off_account_id", readonly=False
    )
    collection_promise_grace_days = fields.Integer(
        related="company_id.collection_promise_grace_days", readonly=False
    )
