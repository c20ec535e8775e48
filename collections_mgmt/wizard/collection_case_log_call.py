from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import html2plaintext

# longest call note and dispute reason accepted, in characters
CALL_NOTE_MAX = 10000
DISPUTE_REASON_MAX = 256


class CollectionCaseLogCall(models.TransientModel):
    _name = "collection.case.log.call"
    _description = "Log a Collection Call"

    case_id = fields.Many2one("collection.case", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="case_id.company_id")
    currency_id = fields.Many2one(related="case_id.currency_id")
    outcome = fields.Selection(
        selection=lambda self: (
            self.env["collection.communication"]
            ._fields["call_outcome"]
            ._description_selection(self.env)
        ),
        required=True,
        default="reached",
    )
    note = fields.Html()
    next_action_date = fields.Date()
    invoice_ids = fields.Many2many(
        "account.move",
        string="Disputed Invoices",
        domain="[('id', 'in', available_invoice_ids)]",
    )
    available_invoice_ids = fields.Many2many(
        "account.move", compute="_compute_available_invoice_ids"
    )
    dispute_reason = fields.Char()
    promise_date = fields.Date()
    promise_amount = fields.Monetary()

    @api.depends("case_id")
    def _compute_available_invoice_ids(self):
        for wizard in self:
            wizard.available_invoice_ids = wizard.case_id.overdue_invoice_ids

    @api.constrains("promise_amount", "outcome")
    def _check_promise(self):
        for wizard in self.filtered(lambda w: w.outcome == "promise"):
            if wizard.promise_amount <= 0:
                raise ValidationError(_("A promise to pay needs a positive amount."))

    # ------------------------------------------------------------------
    # Hardening (issue 9): oversized text and past dates are refused
    # ------------------------------------------------------------------

    @api.constrains("case_id", "note", "dispute_reason", "next_action_date")
    def _check_inputs(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            # the call is logged on the case: the user must be allowed to change it
            wizard.case_id.check_access("write")
            if len(wizard.note or "") > CALL_NOTE_MAX:
                raise ValidationError(
                    _(
                        "The call note has at most %(max)s characters.",
                        max=CALL_NOTE_MAX,
                    )
                )
            if len(wizard.dispute_reason or "") > DISPUTE_REASON_MAX:
                raise ValidationError(
                    _(
                        "The dispute reason has at most %(max)s characters.",
                        max=DISPUTE_REASON_MAX,
                    )
                )
            if wizard.next_action_date and wizard.next_action_date < today:
                raise ValidationError(
                    _(
                        "The next action date (%(date)s) cannot be in the past.",
                        date=wizard.next_action_date,
                    )
                )

    def action_log(self):
        self.ensure_one()
        case = self.case_id
        today = fields.Date.context_today(self)
        if self.outcome == "promise":
            if not self.promise_date or self.promise_date < today:
                raise UserError(_("A promise to pay needs a date, today or later."))
        if self.outcome == "dispute" and not self.invoice_ids:
            raise UserError(_("Choose the invoices the customer disputes."))
        outcome_label = dict(self._fields["outcome"]._description_selection(self.env))[
            self.outcome
        ]
        # the pending call task is done
        calls = case.activity_ids.filtered(
            lambda a: (
                a.activity_type_id.category == "phonecall"
                or a.activity_type_id == self.env.ref("mail.mail_activity_data_call")
            )
        )
        feedback = _("Call logged: %(outcome)s", outcome=outcome_label)
        if calls:
            calls.action_feedback(feedback=feedback)
        body = _("Call: %(outcome)s", outcome=outcome_label)
        case.message_post(
            body=body + (self.note or ""),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        self.env["collection.communication"].create(
            {
                "case_id": case.id,
                "stage_id": case.stage_id.id,
                "cycle": case.cycle,
                "channel": "phone",
                "origin": "manual",
                "state": "done",
                "call_outcome": self.outcome,
                "note": html2plaintext(self.note) if self.note else False,
                "user_id": self.env.user.id,
                "amount_overdue": case.amount_overdue,
                "invoice_ids": [(6, 0, case.overdue_invoice_ids.ids)],
            }
        )
        case_vals = {"last_contact_date": today}
        if self.next_action_date:
            case_vals["next_action_date"] = self.next_action_date
        case.write(case_vals)
        if self.outcome == "promise":
            case._create_promise(
                self.promise_date,
                self.promise_amount,
                note=html2plaintext(self.note) if self.note else None,
            )
        if self.outcome == "dispute":
            self._record_dispute()
        return {"type": "ir.actions.act_window_close"}

    def _record_dispute(self):
        case = self.case_id
        reason = self.dispute_reason or _("Disputed during a call")
        self.invoice_ids.write(
            {"collection_excluded": True, "collection_excluded_reason": reason}
        )
        dispute = self.env.ref("collections_mgmt.collection_stage_dispute")
        # excluding may have resolved the case: the dispute keeps it open
        case.write({"stage_id": dispute.id, "active": True})
        template = self.env.ref("collections_mgmt.mail_template_collection_dispute_ack")
        case.with_context(mail_notify_force_send=False).message_post_with_source(
            template,
            message_type="comment",
            subtype_xmlid="collections_mgmt.mt_collection_reminder",
        )
