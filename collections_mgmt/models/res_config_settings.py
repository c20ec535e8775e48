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
