from odoo import api, fields, models
from odoo.tools import SQL


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
        [("auto", "Daily run"), ("manual", "Manual"), ("plan", "Payment plan")],
        default="auto",
        required=True,
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    state = fields.Selection(
        [
            ("deferred", "Waiting"),
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
        help="Waiting: held back by a fair-treatment rule, retried by the next run. "
        "Skipped: not performed, for the reason given.",
    )
    call_outcome = fields.Selection(
        [
            ("reached", "Reached"),
            ("no_answer", "No answer"),
            ("voicemail", "Voicemail"),
            ("wrong_number", "Wrong number"),
            ("promise", "Promise to pay"),
            ("dispute", "Dispute"),
            ("refused", "Refused to pay"),
        ],
    )
    reason = fields.Char(help="Why the action was skipped, is waiting, or failed.")
    note = fields.Text()
    mail_id = fields.Many2one("mail.mail", string="Email", ondelete="set null")
    message_id = fields.Many2one("mail.message", ondelete="set null")
    activity_id = fields.Many2one("mail.activity", ondelete="set null")
    attachment_id = fields.Many2one(
        "ir.attachment", string="Document", ondelete="set null"
    )
    amount_overdue = fields.Monetary(
        currency_field="currency_id", help="Overdue amount of the case at that time."
    )
    # stored: a batch's communications find their amount's currency in the values
    currency_id = fields.Many2one(related="company_id.currency_id", store=True)
    mail_state = fields.Selection(related="mail_id.state", string="Email Status")
    mail_failure_reason = fields.Text(related="mail_id.failure_reason")

    def init(self):
        # Exactly once: one automated action per case, stage, cycle and channel.
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS collection_communication_auto_uniq
                    ON collection_communication (case_id, stage_id, cycle, channel)
                 WHERE origin = 'auto'
                """
            )
        )
        # Exactly once: one email per payment plan (revision), instalment (or none)
        # and event.
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS collection_communication_plan_uniq
                    ON collection_communication
                       (plan_id, plan_revision, COALESCE(plan_line_id, 0), plan_event)
                 WHERE origin = 'plan'
                """
            )
        )

    @api.depends("case_id", "channel", "stage_id")
    def _compute_display_name(self):
        channels = dict(self._fields["channel"]._description_selection(self.env))
        for comm in self:
            comm.display_name = " / ".join(
                filter(
                    None,
                    [comm.case_id.name, channels.get(comm.channel), comm.stage_id.name],
                )
            )

    def action_print_letters(self):
        """Print the statements of these letters in one PDF and mark them printed."""
        letters = self.filtered(lambda c: c.channel == "letter")
        # s2-ui: many letters render in the background, with their progress
        Run = self.env["collection.run"]
        if len(letters.case_id) > Run._get_print_background_threshold():
            return Run._queue_letter_printing(letters)
        letters.filtered(lambda c: c.state in ("queued", "deferred")).write(
            {"state": "printed"}
        )
        return self.env.ref(
            "collections_mgmt.action_report_collection_statement"
        ).report_action(letters.case_id)

    # ------------------------------------------------------------------
    # Payment plan emails (issue 6): origin "plan", once per plan, line, event
    # ------------------------------------------------------------------

    plan_id = fields.Many2one(
        "collection.payment.plan",
        string="Payment Plan",
        index="btree_not_null",
        ondelete="cascade",
    )
    plan_revision = fields.Integer(
        help="Revision of the payment plan the email was about (a plan sent back to "
        "draft and proposed again gets its emails again)."
    )
    # a line only goes with its draft schedule, and its emails with it: a null
    # line would stand for "the plan" in the exactly-once index
    plan_line_id = fields.Many2one(
        "collection.payment.plan.line", string="Instalment", ondelete="cascade"
    )
    plan_event = fields.Selection(
        [
            ("proposal", "Plan proposal"),
            ("confirmation", "Plan confirmation"),
            ("reminder", "Instalment reminder"),
            ("missed", "Missed instalment"),
            ("broken", "Plan broken"),
            ("done", "Plan completed"),
        ],
        string="Plan Email",
    )
