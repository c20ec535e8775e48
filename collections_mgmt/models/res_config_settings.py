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
    collection_enforce_contact_window = fields.Boolean(
        related="company_id.collection_enforce_contact_window", readonly=False
    )
    collection_max_emails_7d = fields.Integer(
        related="company_id.collection_max_emails_7d", readonly=False
    )
    collection_max_calls_7d = fields.Integer(
        related="company_id.collection_max_calls_7d", readonly=False
    )
    collection_call_cooldown_days = fields.Integer(
        related="company_id.collection_call_cooldown_days", readonly=False
    )
    collection_escalation_user_id = fields.Many2one(
        related="company_id.collection_escalation_user_id", readonly=False
    )
