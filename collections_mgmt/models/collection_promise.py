from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount

# a promise is for the coming weeks: further away, propose a payment plan
PROMISE_MAX_DAYS = 366
# longest note of a promise, in characters
PROMISE_NOTE_MAX = 10000


class CollectionPromise(models.Model):
    _name = "collection.promise"
    _description = "Promise to Pay"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    def _default_grace_days(self):
        return self.env.company.collection_promise_grace_days

    case_id = fields.Many2one(
        "collection.case", required=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        related="case_id.partner_id", string="Customer", store=True, index=True
    )
    company_id = fields.Many2one(related="case_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id", store=True)
    date = fields.Date(string="Promised Date", required=True, tracking=True)
    amount = fields.Monetary(required=True, tracking=True)
    amount_paid = fields.Monetary(
        readonly=True, help="Paid on the case's invoices since the promise was made."
    )
    amount_residual_start = fields.Monetary(
        readonly=True,
        help="Amount due on the invoices of the case when the promise was made.",
    )
    invoice_ids = fields.Many2many(
        "account.move",
        "collection_promise_invoice_rel",
        "promise_id",
        "move_id",
        string="Invoices",
        readonly=True,
        help="The case's open invoices when the promise was made.",
    )
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("kept", "Kept"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="pending",
        tracking=True,
        index=True,
    )
    grace_days = fields.Integer(default=_default_grace_days)
    kept_date = fields.Date(readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    note = fields.Text()

    _sql_constraints = [
        (
            "grace_days_positive",
            "CHECK(grace_days >= 0)",
            "The grace days of a promise cannot be negative.",
        ),
    ]

    @api.depends("partner_id", "amount", "date")
    def _compute_display_name(self):
        for promise in self:
            promise.display_name = _(
                "%(customer)s: %(amount)s by %(date)s",
                customer=promise.partner_id.name or "",
                amount=promise.amount,
                date=promise.date,
            )

    @api.constrains("amount")
    def _check_amount(self):
        for promise in self:
            if promise.currency_id.compare_amounts(promise.amount, 0.0) <= 0:
                raise ValidationError(_("The promised amount must be positive."))

    @api.constrains("date")
    def _check_date(self):
        today = fields.Date.context_today(self)
        for promise in self:
            if promise.state == "pending" and promise.date < today:
                raise ValidationError(
                    _(
                        "The promised date (%(date)s) cannot be in the past.",
                        date=promise.date,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_case_exists(vals_list)
        promises = super().create(vals_list)
        promises._snapshot_invoices()
        promises.case_id._collection_set_stage(
            "collections_mgmt.collection_stage_promise"
        )
        for promise in promises:
            promise.case_id.message_post(
                body=_(
                    "Promise to pay %(amount)s by %(date)s, noted by %(user)s.",
                    amount=promise.amount,
                    date=promise.date,
                    user=promise.user_id.name or self.env.user.name,
                )
            )
        return promises

    def action_cancel(self):
        if any(promise.state != "pending" for promise in self):
            raise UserError(_("Only a pending promise can be cancelled."))
        self.write({"state": "cancelled"})
        return True

    def _snapshot_invoices(self):
        """Remember the case's open invoices and their amount due, to measure payments."""
        for promise in self:
            invoices = promise.case_id._collection_open_invoices()
            promise.write(
                {
                    "invoice_ids": [fields.Command.set(invoices.ids)],
                    "amount_residual_start": sum(
                        invoices.mapped("amount_residual_signed")
                    ),
                }
            )

    @api.model
    def _cron_track_promises(self, companies=None):
        """Mark pending promises kept (amount paid) or broken (date + grace passed).

        Set-based: one search per company, invoices read in batch, grouped writes.
        Broken promises send their case back to the ladder. Re-runnable.

        :return: dict with the promises kept and broken by this run
        """
        companies = companies or self.env["res.company"].search([])
        today = fields.Date.context_today(self)
        kept = broken = self.browse()
        for company in companies:
            promises = self.search(
                [("company_id", "=", company.id), ("state", "=", "pending")]
            )
            currency = company.currency_id
            paid_writes = {}
            for promise in promises:
                residual = sum(promise.invoice_ids.mapped("amount_residual_signed"))
                paid = max(
                    currency.round(promise.amount_residual_start - residual), 0.0
                )
                if currency.compare_amounts(paid, promise.amount_paid):
                    paid_writes.setdefault(paid, self.browse())
                    paid_writes[paid] |= promise
                if currency.compare_amounts(paid, promise.amount) >= 0:
                    kept |= promise
                elif today > promise.date + timedelta(days=promise.grace_days):
                    broken |= promise
            for paid, group in paid_writes.items():
                group.write({"amount_paid": paid})
        if kept:
            kept.write({"state": "kept", "kept_date": today})
            kept.case_id._collection_return_to_ladder(
                from_stage="collections_mgmt.collection_stage_promise"
            )
        if broken:
            broken.write({"state": "broken"})
            broken.case_id._collection_return_to_ladder(
                from_stage="collections_mgmt.collection_stage_promise"
            )
            for promise in broken:
                promise.case_id.message_post(
                    body=_(
                        "Promise to pay %(amount)s by %(date)s was broken.",
                        amount=promise.amount,
                        date=promise.date,
                    )
                )
        return {"kept": kept, "broken": broken}

    # ------------------------------------------------------------------
    # Hardening (issue 9): huge amounts, far dates and oversized notes
    # ------------------------------------------------------------------

    @api.model
    def _check_case_exists(self, vals_list):
        case_ids = {vals["case_id"] for vals in vals_list if vals.get("case_id")}
        missing = case_ids - set(
            self.env["collection.case"].browse(case_ids).exists().ids
        )
        if missing:
            raise ValidationError(
                _(
                    "The collection case %(ids)s does not exist (it may have been "
                    "deleted).",
                    ids=", ".join(str(case_id) for case_id in sorted(missing)),
                )
            )

    @api.constrains("amount", "amount_residual_start")
    def _check_amount_owed(self):
        for promise in self.filtered(lambda p: p.state == "pending" and p.invoice_ids):
            owed = promise.amount_residual_start
            if promise.currency_id.compare_amounts(promise.amount, owed) > 0:
                raise ValidationError(
                    _(
                        "The promised amount (%(amount)s) is more than %(customer)s "
                        "owes (%(owed)s).",
                        amount=format_amount(
                            self.env, promise.amount, promise.currency_id
                        ),
                        customer=promise.partner_id.name,
                        owed=format_amount(self.env, owed, promise.currency_id),
                    )
                )

    @api.constrains("date")
    def _check_date_horizon(self):
        limit = fields.Date.context_today(self) + timedelta(days=PROMISE_MAX_DAYS)
        for promise in self:
            if promise.state == "pending" and promise.date > limit:
                raise ValidationError(
                    _(
                        "The promised date (%(date)s) is more than a year away: "
                        "propose a payment plan instead.",
                        date=promise.date,
                    )
                )

    @api.constrains("note")
    def _check_note_length(self):
        for promise in self:
            if len(promise.note or "") > PROMISE_NOTE_MAX:
                raise ValidationError(
                    _(
                        "The note of a promise has at most %(max)s characters.",
                        max=PROMISE_NOTE_MAX,
                    )
                )
