from odoo import fields, models


class CollectionCommunication(models.Model):
    _name = "collection.communication"
    _description = "Collection Communication"
    _order = "date desc, id desc"
    _check_company_auto = True

    case_id = fields.Many2one(
        "collection.case", required=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(related="case_id.partner_id", store=True, index=True)
    company_id = fields.Many2one(related="case_id.company_id", store=True, index=True)
    user_id = fields.Many2one(
        "res.users", string="Collector", help="Collector of the case at that time."
    )
    stage_id = fields.Many2one("collection.stage", index=True, ondelete="restrict")
    cycle = fields.Integer(
        default=1, help="Overdue cycle of the case this communication belongs to."
    )
    invoice_ids = fields.Many2many(
        "account.move",
        "collection_communication_invoice_rel",
        "communication_id",
        "move_id",
        string="Invoices",
    )
    channel = fields.Selection(
        [
            ("email", "Email"),
            ("letter", "Letter"),
            ("phone", "Phone call"),
            ("activity", "Activity"),
        ],
        required=True,
    )
    origin = fields.Selection(
        [("auto", "Daily run"), ("manual", "Manual")],
        default="auto",
        required=True,
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("sent", "Sent"),
            ("printed", "Printed"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("skipped", "Skipped"),
        ],
        required=True,
        default="queued",
        index=True,
    )
    reason = fields.Char(help="Why the action was skipped or failed.")
    mail_id = fields.Many2one("mail.mail", string="Email", ondelete="set null")
    message_id = fields.Many2one("mail.message", ondelete="set null")
    activity_id = fields.Many2one("mail.activity", ondelete="set null")
    attachment_id = fields.Many2one(
        "ir.attachment", string="Document", ondelete="set null"
    )
    amount_overdue = fields.Monetary(
        currency_field="currency_id", help="Overdue amount of the case at that time."
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
