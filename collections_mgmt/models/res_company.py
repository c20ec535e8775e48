from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    collection_contact_hour_start = fields.Float(
        string="Contact Window Start",
        default=8.0,
        help="No automated email or call task before this hour, in the customer's time zone.",
    )
    collection_contact_hour_end = fields.Float(
        string="Contact Window End",
        default=21.0,
        help="No automated email or call task after this hour, in the customer's time zone.",
    )
    collection_user_id = fields.Many2one(
        "res.users",
        string="Default Collector",
        help="Collector of new cases whose customer has no collector of their own.",
    )
