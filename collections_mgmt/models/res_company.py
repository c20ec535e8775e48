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
    collection_enforce_contact_window = fields.Boolean(
        string="Enforce Contact Window",
        default=True,
        help="Automated emails and call tasks wait for the next run inside the window.",
    )
    collection_max_emails_7d = fields.Integer(
        string="Emails per 7 Days",
        default=2,
        help="At most this many reminder emails per case in any 7 days (0: no cap).",
    )
    collection_max_calls_7d = fields.Integer(
        string="Call Attempts per 7 Days",
        default=7,
        help="At most this many call attempts per case in any 7 days (0: no cap).",
    )
    collection_call_cooldown_days = fields.Integer(
        string="Days Without Calls After a Conversation",
        default=7,
        help="No call task within this many days after a logged conversation.",
    )
    collection_escalation_user_id = fields.Many2one(
        "res.users",
        string="Escalation Manager",
        help="Gets the activities of stages that escalate to a manager.",
    )
