import logging
from collections import defaultdict

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_amount

from ..lib import schedule

_logger = logging.getLogger(__name__)

# fields of a plan that make its schedule: frozen once the plan left draft
SCHEDULE_FIELDS = {
    "case_id",
    "invoice_ids",
    "currency_id",
    "down_payment",
    "instalment_count",
    "frequency",
    "date_first_due",
    "settlement_amount",
    "line_ids",
}
# fields of a line the tracking may change on an active plan
LINE_TRACKING_FIELDS = {"amount_paid", "state", "reminder_sent"}
# longest notes and rejection reason of a plan, in characters (issue 9)
PLAN_NOTE_MAX = 100000
PLAN_REASON_MAX = 2000
# plans holding their invoices: an invoice is in one of them at most
HOLDING_STATES = ("to_approve", "active")
# customer emails of a plan: event -> template (plan_event of the communications)
PLAN_EMAIL_TEMPLATES = {
    "proposal": "collections_mgmt.mail_template_payment_plan_proposal",
    "confirmation": "collections_mgmt.mail_template_payment_plan_confirmation",
    "reminder": "collections_mgmt.mail_template_payment_plan_reminder",
    "missed": "collections_mgmt.mail_template_payment_plan_missed",
    "broken": "collections_mgmt.mail_template_payment_plan_broken",
    "done": "collections_mgmt.mail_template_payment_plan_done",
}
# plan states in which a waiting email of the event still goes out
PLAN_EMAIL_STATES = {
    "proposal": ("to_approve",),
    "confirmation": ("active",),
    "broken": ("broken",),
    "done": ("done",),
}
# emails a collector's act sends (the customer is waiting for them)
PLAN_EMAILS_MANUAL = ("proposal", "confirmation")
# fields only the workflow methods write (approval and four-eyes rest on them)
WORKFLOW_FIELDS = {
    "state",
    "submitted_by_id",
    "submitted_date",
    "approved_by_id",
    "approved_date",
    "accepted_by_id",
    "accepted_date",
    "write_off_move_id",
    "revision",
}


class CollectionPaymentPlan(models.Model):
    _name = "collection.payment.plan"
    _description = "Payment Plan"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    def _default_grace_days(self):
        return self.env.company.collection_plan_grace_days

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    case_id = fields.Many2one(
        "collection.case",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        related="case_id.partner_id", string="Customer", store=True, index=True
    )
    company_id = fields.Many2one(related="case_id.company_id", store=True, index=True)
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("to_approve", "To Approve"),
            ("active", "Active"),
            ("done", "Done"),
            ("rejected", "Rejected"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        tracking=True,
        index=True,
        copy=False,
    )
    invoice_ids = fields.Many2many(
        "account.move",
        "collection_payment_plan_invoice_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id), ('company_id', '=', company_id),"
        " ('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
        " ('payment_state', 'in', ('not_paid', 'partial')),"
        " ('collection_excluded', '=', False)]",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    amount_total = fields.Monetary(
        string="Total",
        compute="_compute_amount_total",
        store=True,
        precompute=True,
        help="Amount due on the covered invoices when the plan was made.",
    )
    down_payment = fields.Monetary(
        help="Paid first, on the first due date; the instalments share the rest."
    )
    instalment_count = fields.Integer(string="Number of Instalments", default=3)
    frequency = fields.Selection(
        [
            ("weekly", "Weekly"),
            ("biweekly", "Every two weeks"),
            ("monthly", "Monthly"),
            ("custom", "Custom dates"),
        ],
        required=True,
        default="monthly",
    )
    date_first_due = fields.Date(string="First Due Date", required=True)
    grace_days = fields.Integer(
        default=_default_grace_days,
        help="An instalment unpaid this many days after its due date is missed, "
        "and breaks the plan.",
    )
    settlement_amount = fields.Monetary(
        help="Agreed amount below the total: once paid, the rest is written off. "
        "Always needs a manager's approval.",
    )
    amount_target = fields.Monetary(
        string="Amount to Pay", compute="_compute_amount_target", store=True
    )
    line_ids = fields.One2many(
        "collection.payment.plan.line", "plan_id", string="Instalments", copy=True
    )
    amount_scheduled = fields.Monetary(compute="_compute_amounts")
    amount_paid = fields.Monetary(compute="_compute_amounts")
    amount_remaining = fields.Monetary(compute="_compute_amounts")
    date_last_due = fields.Date(string="Last Due Date", compute="_compute_amounts")
    note = fields.Html(string="Notes")
    approval_required = fields.Boolean(compute="_compute_approval_required")
    approval_reasons = fields.Text(compute="_compute_approval_required")
    submitted_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    submitted_date = fields.Datetime(readonly=True, copy=False)
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    approved_date = fields.Datetime(readonly=True, copy=False)
    rejected_reason = fields.Text(readonly=True, copy=False, tracking=True)
    accepted_by_id = fields.Many2one(
        "res.users", readonly=True, copy=False, tracking=True
    )
    accepted_date = fields.Datetime(readonly=True, copy=False)
    broken_date = fields.Date(readonly=True, copy=False)
    done_date = fields.Date(readonly=True, copy=False)
    write_off_move_id = fields.Many2one(
        "account.move", string="Settlement Entry", readonly=True, copy=False
    )
    revision = fields.Integer(
        default=1,
        readonly=True,
        copy=False,
        help="Raised each time the plan goes back to draft: the customer gets the "
        "emails of the new proposal again.",
    )

    @api.depends("invoice_ids")
    def _compute_currency_id(self):
        for plan in self:
            plan.currency_id = (
                plan.invoice_ids[:1].currency_id
                or plan.currency_id
                or plan.company_id.currency_id
                or self.env.company.currency_id
            )

    @api.depends("invoice_ids")
    def _compute_amount_total(self):
        # a snapshot: payments on the invoices lower their residual, not the plan
        for plan in self:
            plan.amount_total = sum(plan.invoice_ids.mapped("amount_residual"))

    @api.depends("amount_total", "settlement_amount")
    def _compute_amount_target(self):
        for plan in self:
            plan.amount_target = plan.settlement_amount or plan.amount_total

    @api.depends("line_ids.amount", "line_ids.amount_paid", "line_ids.date_due")
    def _compute_amounts(self):
        for plan in self:
            plan.amount_scheduled = sum(plan.line_ids.mapped("amount"))
            plan.amount_paid = sum(plan.line_ids.mapped("amount_paid"))
            plan.amount_remaining = plan.amount_scheduled - plan.amount_paid
            plan.date_last_due = max(plan.line_ids.mapped("date_due"), default=False)

    @api.depends("amount_total", "line_ids.date_due", "settlement_amount", "company_id")
    def _compute_approval_required(self):
        for plan in self:
            reasons = plan._get_approval_reasons()
            plan.approval_required = bool(reasons)
            plan.approval_reasons = "\n".join(reasons)

    def _compute_access_url(self):  # pylint: disable=missing-return
        super()._compute_access_url()
        for plan in self:
            plan.access_url = f"/my/payment_plans/{plan.id}"

    @api.constrains("invoice_ids", "currency_id", "case_id")
    def _check_invoice_ids(self):
        self._check_invoices()

    @api.constrains("down_payment", "settlement_amount", "amount_total")
    def _check_amounts(self):
        for plan in self:
            currency = plan.currency_id
            if currency.compare_amounts(plan.down_payment, 0.0) < 0:
                raise ValidationError(_("The down payment cannot be negative."))
            if currency.compare_amounts(plan.settlement_amount, 0.0) < 0:
                raise ValidationError(_("The settlement amount cannot be negative."))
            if plan.settlement_amount and (
                currency.compare_amounts(plan.settlement_amount, plan.amount_total) >= 0
            ):
                raise ValidationError(
                    _(
                        "The settlement amount (%(settlement)s) must be below the "
                        "total of the plan (%(total)s).",
                        settlement=format_amount(
                            self.env, plan.settlement_amount, currency
                        ),
                        total=format_amount(self.env, plan.amount_total, currency),
                    )
                )
            if plan.down_payment and (
                currency.compare_amounts(plan.down_payment, plan.amount_target) >= 0
            ):
                raise ValidationError(
                    _("The down payment must be below the amount to pay.")
                )

    @api.constrains("instalment_count", "grace_days")
    def _check_counts(self):
        for plan in self:
            if plan.instalment_count <= 0:
                raise ValidationError(
                    _("A payment plan needs at least one instalment.")
                )
            if plan.grace_days < 0:
                raise ValidationError(
                    _("The grace days of a payment plan cannot be negative.")
                )

    @api.constrains("date_first_due")
    def _check_date_first_due(self):
        today = fields.Date.context_today(self)
        for plan in self:
            if plan.state == "draft" and plan.date_first_due < today:
                raise ValidationError(
                    _(
                        "The first due date (%(date)s) of a payment plan cannot be in "
                        "the past.",
                        date=plan.date_first_due,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                case = self.env["collection.case"].browse(vals.get("case_id"))
                sequence = self.env["ir.sequence"].with_company(
                    case.company_id or self.env.company
                )
                vals["name"] = sequence.next_by_code("collection.payment.plan") or "/"
        plans = super().create(vals_list)
        plans.filtered(lambda p: not p.line_ids)._generate_schedule()
        return plans

    def write(self, vals):
        if (
            WORKFLOW_FIELDS & set(vals)
            and not self.env.su
            and not self.env.context.get("collections_mgmt_plan_workflow")
        ):
            raise UserError(
                _(
                    "Use the buttons of the payment plan to change its status or approval."
                )
            )
        if SCHEDULE_FIELDS & set(vals):
            self._check_schedule_editable()
        res = super().write(vals)
        terms_changed = (SCHEDULE_FIELDS - {"line_ids", "case_id"}) & set(vals)
        if terms_changed and "line_ids" not in vals:
            self.filtered(lambda p: p.state == "draft")._generate_schedule()
        return res

    def unlink(self):
        if any(plan.state not in ("draft", "cancelled") for plan in self):
            raise UserError(_("Only draft or cancelled payment plans can be deleted."))
        return super().unlink()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_generate_schedule(self):
        self.ensure_one()
        self._check_schedule_editable()
        self._generate_schedule()
        return True

    def action_submit(self):
        """Collector: ask a manager to approve the plan; the case waits in its stage."""
        self._check_state("draft")
        self._check_ready()
        self._write_workflow(
            {
                "state": "to_approve",
                "submitted_by_id": self.env.user.id,
                "submitted_date": fields.Datetime.now(),
            }
        )
        self.case_id._collection_set_stage(
            "collections_mgmt.collection_stage_payment_plan"
        )
        for plan in self:
            plan.message_post(
                body=_(
                    "Submitted for approval by %(user)s.%(reasons)s",
                    user=self.env.user.name,
                    reasons=plan.approval_reasons
                    and _(" Needs approval: %(reasons)s", reasons=plan.approval_reasons)
                    or "",
                )
            )
        self._queue_plan_emails("proposal")
        return True

    def action_activate(self):
        """Collector: start a plan within the company's limits without approval."""
        self._check_state("draft")
        self._check_ready()
        for plan in self:
            if plan.approval_required:
                raise UserError(
                    _(
                        "Payment plan %(plan)s needs a manager's approval: %(reasons)s",
                        plan=plan.name,
                        reasons=plan.approval_reasons,
                    )
                )
        self._write_workflow(
            {
                "state": "active",
                "submitted_by_id": self.env.user.id,
                "submitted_date": fields.Datetime.now(),
            }
        )
        self.case_id._collection_set_stage(
            "collections_mgmt.collection_stage_payment_plan"
        )
        for plan in self:
            plan.message_post(body=_("Activated by %(user)s.", user=self.env.user.name))
        self._queue_plan_emails("confirmation")
        return True

    def action_approve(self):
        """Manager: approve a submitted plan made by someone else (four-eyes)."""
        self._check_approver()
        self._check_state("to_approve")
        self._check_ready()
        self._write_workflow(
            {
                "state": "active",
                "approved_by_id": self.env.user.id,
                "approved_date": fields.Datetime.now(),
            }
        )
        for plan in self:
            plan.message_post(body=_("Approved by %(user)s.", user=self.env.user.name))
        self._queue_plan_emails("confirmation")
        return True

    def action_open_reject(self):
        self.ensure_one()
        self._check_approver()
        self._check_state("to_approve")
        return {
            "type": "ir.actions.act_window",
            "name": _("Reject Payment Plan"),
            "res_model": "collection.payment.plan.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_plan_id": self.id},
        }

    def action_cancel(self):
        self._check_state("draft", "to_approve", "active")
        held = self.filtered(lambda p: p.state in HOLDING_STATES)
        self._write_workflow({"state": "cancelled"})
        held.case_id._collection_return_to_ladder()
        for plan in self:
            plan.message_post(body=_("Cancelled by %(user)s.", user=self.env.user.name))
        return True

    def action_draft(self):
        self._check_state("rejected", "cancelled")
        for revision, plans in self.grouped("revision").items():
            plans._write_workflow(
                {
                    "state": "draft",
                    "submitted_by_id": False,
                    "submitted_date": False,
                    "approved_by_id": False,
                    "approved_date": False,
                    "accepted_by_id": False,
                    "accepted_date": False,
                    "revision": revision + 1,
                }
            )
        return True

    def action_preview(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "target": "self",
            "url": self.get_portal_url(),
        }

    def action_open_write_off(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.write_off_move_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _reject(self, reason):
        """Manager: send the plan back with a reason; the case returns to the ladder."""
        self._check_approver()
        self._check_state("to_approve")
        if not (reason or "").strip():
            raise UserError(_("Give the reason for rejecting the payment plan."))
        self._write_workflow({"state": "rejected", "rejected_reason": reason})
        self.case_id._collection_return_to_ladder()
        for plan in self:
            plan.message_post(
                body=_(
                    "Rejected by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                )
            )
        return True

    def _accept(self, user=None):
        """The customer accepts the proposed plan (portal); records who and when."""
        user = user or self.env.user
        for plan in self:
            if plan.state not in HOLDING_STATES:
                raise UserError(
                    _(
                        "Payment plan %(plan)s cannot be accepted any more.",
                        plan=plan.name,
                    )
                )
            if plan.accepted_date:
                continue
            plan._write_workflow(
                {"accepted_by_id": user.id, "accepted_date": fields.Datetime.now()}
            )
            plan.message_post(
                body=_("Accepted online by %(name)s.", name=user.partner_id.name),
                author_id=user.partner_id.id,
            )
        return True

    def _write_workflow(self, vals):
        return self.with_context(collections_mgmt_plan_workflow=True).write(vals)

    def _check_state(self, *states):
        for plan in self:
            if plan.state not in states:
                raise UserError(
                    _(
                        "Payment plan %(plan)s is %(state)s: this is not possible now.",
                        plan=plan.name,
                        state=dict(
                            plan._fields["state"]._description_selection(plan.env)
                        )[plan.state],
                    )
                )

    def _check_schedule_editable(self):
        for plan in self:
            if plan.state != "draft":
                raise UserError(
                    _(
                        "The schedule of payment plan %(plan)s cannot change once it "
                        "is submitted: cancel it and propose a new one.",
                        plan=plan.name,
                    )
                )

    def _check_approver(self):
        user = self.env.user
        if not user.has_group("collections_mgmt.group_collections_manager"):
            raise AccessError(
                _("Only Collections managers can approve or reject payment plans.")
            )
        for plan in self:
            if plan.company_id.collection_plan_self_approval:
                continue
            if user in plan.create_uid | plan.submitted_by_id:
                raise UserError(
                    _(
                        "You made or submitted payment plan %(plan)s: another manager "
                        "must approve it.",
                        plan=plan.name,
                    )
                )

    def _check_invoices(self):
        """The covered invoices: this customer's, open, not disputed, in no other plan."""
        others = self.search(
            [
                ("invoice_ids", "in", self.invoice_ids.ids),
                ("state", "in", HOLDING_STATES),
                ("id", "not in", self.ids),
            ]
        )
        held_by = {}
        for other in others:
            for invoice in other.invoice_ids:
                held_by[invoice] = other
        for plan in self:
            if not plan.invoice_ids:
                raise ValidationError(
                    _("Payment plan %(plan)s covers no invoice.", plan=plan.name)
                )
            for invoice in plan.invoice_ids:
                error = plan._get_invoice_error(invoice, held_by.get(invoice))
                if error:
                    raise ValidationError(error)

    def _get_invoice_error(self, invoice, other_plan):
        self.ensure_one()
        if invoice.move_type != "out_invoice" or invoice.state != "posted":
            return _(
                "%(invoice)s is not a posted customer invoice.", invoice=invoice.name
            )
        if invoice.commercial_partner_id != self.partner_id:
            return _(
                "Invoice %(invoice)s belongs to %(other)s, not to %(customer)s.",
                invoice=invoice.name,
                other=invoice.commercial_partner_id.name,
                customer=self.partner_id.name,
            )
        if invoice.company_id != self.company_id:
            return _(
                "Invoice %(invoice)s belongs to company %(company)s, not %(plan_company)s.",
                invoice=invoice.name,
                company=invoice.company_id.name,
                plan_company=self.company_id.name,
            )
        if invoice.currency_id != self.currency_id:
            return _(
                "Invoice %(invoice)s is in %(currency)s, the plan in %(plan_currency)s: "
                "one plan covers invoices of one currency.",
                invoice=invoice.name,
                currency=invoice.currency_id.name,
                plan_currency=self.currency_id.name,
            )
        if invoice.currency_id.is_zero(invoice.amount_residual):
            return _("Invoice %(invoice)s is already paid.", invoice=invoice.name)
        if invoice.collection_excluded:
            return _(
                "Invoice %(invoice)s is excluded from collections (disputed).",
                invoice=invoice.name,
            )
        if other_plan:
            return _(
                "Invoice %(invoice)s is already covered by payment plan %(plan)s.",
                invoice=invoice.name,
                plan=other_plan.name,
            )
        return None

    def _check_ready(self):
        """Everything a plan must satisfy before it is submitted or activated."""
        self._check_invoices()
        self._check_amounts()
        today = fields.Date.context_today(self)
        for plan in self:
            currency = plan.currency_id
            residual = sum(plan.invoice_ids.mapped("amount_residual"))
            if currency.compare_amounts(residual, plan.amount_total):
                raise ValidationError(
                    _(
                        "The invoices of payment plan %(plan)s changed since it was "
                        "made (now %(residual)s due): compute the schedule again.",
                        plan=plan.name,
                        residual=format_amount(self.env, residual, currency),
                    )
                )
            if currency.compare_amounts(plan.amount_total, 0.0) <= 0:
                raise ValidationError(
                    _(
                        "The total of payment plan %(plan)s must be positive.",
                        plan=plan.name,
                    )
                )
            if not plan.line_ids:
                raise ValidationError(
                    _("Payment plan %(plan)s has no instalment.", plan=plan.name)
                )
            if plan.date_first_due < today or any(
                d < today for d in plan.line_ids.mapped("date_due")
            ):
                raise ValidationError(
                    _(
                        "Payment plan %(plan)s has a due date in the past.",
                        plan=plan.name,
                    )
                )
            if not schedule.sums_to(
                plan.line_ids.mapped("amount"), plan.amount_target, currency.rounding
            ):
                raise ValidationError(
                    _(
                        "The instalments of payment plan %(plan)s add up to "
                        "%(scheduled)s instead of %(target)s.",
                        plan=plan.name,
                        scheduled=format_amount(
                            self.env, plan.amount_scheduled, currency
                        ),
                        target=format_amount(self.env, plan.amount_target, currency),
                    )
                )

    def _get_approval_reasons(self):
        """Why this plan exceeds its company's limits (empty: no approval needed)."""
        self.ensure_one()
        company = self.company_id or self.env.company
        reasons = []
        total = self.currency_id._convert(
            self.amount_total,
            company.currency_id,
            company,
            fields.Date.context_today(self),
        )
        if (
            company.currency_id.compare_amounts(
                total, company.collection_plan_approval_amount
            )
            > 0
        ):
            reasons.append(
                _(
                    "the total exceeds %(limit)s",
                    limit=format_amount(
                        self.env,
                        company.collection_plan_approval_amount,
                        company.currency_id,
                    ),
                )
            )
        if len(self.line_ids) > company.collection_plan_approval_instalments:
            reasons.append(
                _(
                    "more than %(limit)s instalments",
                    limit=company.collection_plan_approval_instalments,
                )
            )
        last = max(self.line_ids.mapped("date_due"), default=False)
        today = fields.Date.context_today(self)
        if last and (last - today).days > company.collection_plan_approval_days:
            reasons.append(
                _(
                    "longer than %(limit)s days",
                    limit=company.collection_plan_approval_days,
                )
            )
        if self.settlement_amount:
            reasons.append(_("a settlement writes off part of the debt"))
        return reasons

    def _generate_schedule(self):
        """Replace the instalments by equal ones from the plan's terms."""
        for plan in self:
            if plan.currency_id.compare_amounts(plan.amount_target, 0.0) <= 0:
                plan.line_ids = [Command.clear()]
                continue
            try:
                rows = schedule.build_schedule(
                    plan.amount_target,
                    plan.instalment_count,
                    plan.date_first_due,
                    plan.frequency,
                    plan.currency_id.rounding,
                    down_payment=plan.down_payment,
                )
            except ValueError as error:
                raise ValidationError(
                    _(
                        "Cannot split %(amount)s in %(count)s instalments: %(error)s",
                        amount=plan.amount_target,
                        count=plan.instalment_count,
                        error=str(error),
                    )
                ) from error
            plan.line_ids = [Command.clear()] + [
                Command.create({"sequence": index, "date_due": due, "amount": amount})
                for index, (due, amount) in enumerate(rows, start=1)
            ]

    # ------------------------------------------------------------------
    # Customer emails: collection communications under the fair-treatment rules
    # ------------------------------------------------------------------

    def _queue_plan_emails(self, event, lines=None):
        """Claim the ``event`` email of these plans once, then send what may go out.

        Each email is a ``collection.communication`` of origin ``plan``, claimed once
        per plan, instalment (``lines``: one per line, for reminders and missed
        instalments) and event; the daily run's rules decide whether it goes now,
        waits for the next run, or is skipped. Already claimed ones are left alone.

        :param event: a key of ``PLAN_EMAIL_TEMPLATES``
        :param lines: instalments of these plans the emails are about
        :return: the communications claimed now
        """
        Comm = self.env["collection.communication"].sudo()
        targets = [(line.plan_id, line) for line in lines] if lines else []
        if not lines:
            targets = [
                (plan, self.env["collection.payment.plan.line"]) for plan in self
            ]
        if not targets:
            return Comm
        plans = self.browse({plan.id for plan, _line in targets})
        existing = Comm.search(
            [
                ("origin", "=", "plan"),
                ("plan_id", "in", plans.ids),
                ("plan_event", "=", event),
            ]
        )
        claimed = {
            (comm.plan_id.id, comm.plan_revision, comm.plan_line_id.id)
            for comm in existing
        }
        now = fields.Datetime.now()
        vals_list = []
        for plan, line in targets:
            key = (plan.id, plan.revision, line.id)
            if key in claimed:
                continue
            claimed.add(key)
            vals_list.append(
                {
                    "case_id": plan.case_id.id,
                    "stage_id": plan.case_id.stage_id.id,
                    "cycle": plan.case_id.cycle,
                    "channel": "email",
                    "origin": "plan",
                    "state": "queued",
                    "date": now,
                    "user_id": plan.user_id.id,
                    "amount_overdue": plan.case_id.amount_overdue,
                    "invoice_ids": [Command.set(plan.invoice_ids.ids)],
                    "plan_id": plan.id,
                    "plan_revision": plan.revision,
                    "plan_line_id": line.id,
                    "plan_event": event,
                }
            )
        if not vals_list:
            return Comm
        # the rules count the emails sent before these ones: read them first
        contexts = self._get_plan_rule_contexts(plans, now)
        comms = Comm.create(vals_list)
        self._send_plan_emails(comms, contexts, now)
        return comms

    def _get_plan_rule_contexts(self, plans, now):
        """The daily run's rule context of each company of ``plans``."""
        Run = self.env["collection.daily.run"]
        return {
            company: Run.with_company(company)._get_rule_context(
                company, company_plans.case_id, now
            )
            for company, company_plans in plans.grouped("company_id").items()
        }

    @api.model
    def _retry_plan_emails(self, company):
        """Daily run: send the plan emails that waited (window, cap), if still due."""
        Comm = self.env["collection.communication"].sudo()
        waiting = Comm.search(
            [
                ("origin", "=", "plan"),
                ("state", "=", "deferred"),
                ("company_id", "=", company.id),
            ]
        )
        if not waiting:
            return Comm
        now = fields.Datetime.now()
        contexts = self._get_plan_rule_contexts(waiting.plan_id, now)
        self._send_plan_emails(waiting, contexts, now)
        return waiting

    @api.model
    def _send_plan_emails(self, comms, contexts, now):
        """Apply the daily run's rules to the plan emails ``comms``, then render
        those that may go out, one composer per template.

        :param contexts: ``{company: rule context}`` (``_get_plan_rule_contexts``)
        """
        Run = self.env["collection.daily.run"]
        Comm = self.env["collection.communication"].sudo()
        outcomes = defaultdict(Comm.browse)
        go = defaultdict(Comm.browse)
        for comm in comms:
            plan, event = comm.plan_id, comm.plan_event
            if not plan._is_plan_email_current(event, comm.plan_line_id):
                outcomes[("skipped", _("No longer relevant: the plan moved on."))] |= (
                    comm
                )
                continue
            context = contexts[comm.company_id]
            verdict = Run._check_rules(
                comm, context, now, manual=plan._is_plan_email_manual(event)
            )
            if verdict:
                outcomes[verdict] |= comm
                continue
            go[event] |= comm
            # the next email to the same case in this batch counts this one
            emails = context["emails"]
            emails[comm.case_id] = emails.get(comm.case_id, 0) + 1
        for (state, reason), group in outcomes.items():
            group.write({"state": state, "reason": reason, "date": now})
            if state == "failed":
                for plan in group.plan_id:
                    plan._message_log(body=reason)
        for event, group in go.items():
            try:
                with self.env.cr.savepoint():
                    self._post_plan_emails(event, group, now)
            except Exception as error:  # a template that fails to render
                _logger.info("Payment plans: the %s emails failed: %s", event, error)
                self.env.invalidate_all(flush=False)
                reason = _("The email could not be prepared: %(error)s", error=error)
                group.write({"state": "failed", "reason": reason[:500], "date": now})

    @api.model
    def _post_plan_emails(self, event, comms, now):
        """Render the ``event`` template for the plans of ``comms`` in one composer
        and link each communication to its message and queued email."""
        template = self.env.ref(PLAN_EMAIL_TEMPLATES[event], raise_if_not_found=False)
        if not template:
            comms.write(
                {
                    "state": "failed",
                    "reason": _("The email template of the payment plan is missing."),
                    "date": now,
                }
            )
            return
        plans = comms.plan_id
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="comment",
                default_model=self._name,
                default_res_ids=plans.ids,
                default_template_id=template.id,
                mail_notify_force_send=False,
                mail_create_nosubscribe=True,
            )
            .create(
                {
                    "message_type": "comment",
                    "subtype_id": self.env.ref("mail.mt_comment").id,
                }
            )
        )
        _mails, messages = composer._action_send_mail()
        message_by_plan = {message.res_id: message for message in messages}
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "in", messages.ids)], order="id")
        )
        # the customer's email (followers may get their own notification)
        mail_by_plan = {}
        for mail in mails:
            plan = self.browse(mail.res_id)
            if plan.case_id.reminder_partner_id in mail.recipient_ids:
                mail_by_plan[mail.res_id] = mail
            else:
                mail_by_plan.setdefault(mail.res_id, mail)
        for plan_comms in comms.grouped("plan_id").values():
            plan_id = plan_comms.plan_id.id
            message = message_by_plan.get(plan_id)
            mail = mail_by_plan.get(plan_id)
            plan_comms.write(
                {
                    "state": "queued",
                    "reason": False,
                    "date": now,
                    "message_id": message.id if message else False,
                    "mail_id": mail.id if mail else False,
                }
            )
        comms.case_id.write({"last_contact_date": fields.Date.context_today(self)})

    def _is_plan_email_current(self, event, line):
        """Whether the ``event`` email (about ``line``) still says something true."""
        self.ensure_one()
        if event in ("reminder", "missed"):
            wanted = "pending" if event == "reminder" else "late"
            return self.state == "active" and line.state == wanted
        return self.state in PLAN_EMAIL_STATES[event]

    def _is_plan_email_manual(self, event):
        """The rules treat an email as a person's act (a paused stage does not hold
        it back) when a collector's act sends it, or when the case waits in the
        payment plan stage: the plan's own emails are that stage's action."""
        self.ensure_one()
        if event in PLAN_EMAILS_MANUAL:
            return True
        plan_stage = self.env.ref(
            "collections_mgmt.collection_stage_payment_plan", raise_if_not_found=False
        )
        return self.case_id.stage_id == plan_stage

    # ------------------------------------------------------------------
    # Tracking (daily run)
    # ------------------------------------------------------------------

    @api.model
    def _cron_track_plans(self, companies=None):
        """Allocate payments to instalments; mark late, missed, broken and done plans.

        Set-based: per company one search of the active plans, the invoices and
        instalments read in batch, writes grouped by value. Re-runnable.

        :return: dict with the plans broken and done by this run
        """
        companies = companies or self.env["res.company"].search([])
        today = fields.Date.context_today(self)
        result = {"broken": self.browse(), "done": self.browse()}
        for company in companies:
            plans = self.search(
                [("company_id", "=", company.id), ("state", "=", "active")]
            )
            # what waited since the last run first: the new emails count after it
            self._retry_plan_emails(company)
            if plans:
                broken, done = plans._track_payments(today)
                result["broken"] |= broken
                result["done"] |= done
        return result

    def _track_payments(self, today):
        Line = self.env["collection.payment.plan.line"]
        line_writes = defaultdict(Line.browse)
        late_lines = Line.browse()
        remind = Line.browse()
        broken = self.browse()
        done = self.browse()
        for plan in self:
            currency = plan.currency_id
            residual = sum(plan.invoice_ids.mapped("amount_residual"))
            paid = max(currency.round(plan.amount_total - residual), 0.0)
            lines = plan.line_ids.sorted(lambda line: (line.date_due, line.sequence))
            allocated = schedule.allocate(
                paid, lines.mapped("amount"), currency.rounding
            )
            reminder_days = plan.company_id.collection_plan_reminder_days
            states = set()
            for line, amount_paid in zip(lines, allocated):
                state = schedule.instalment_state(
                    line.amount,
                    amount_paid,
                    line.date_due,
                    today,
                    plan.grace_days,
                    currency.rounding,
                )
                states.add(state)
                if state == "late" and line.state == "pending":
                    late_lines |= line
                if (
                    state == "pending"
                    and not line.reminder_sent
                    and (line.date_due - today).days <= reminder_days
                ):
                    remind |= line
                if state != line.state or currency.compare_amounts(
                    amount_paid, line.amount_paid
                ):
                    line_writes[(amount_paid, state)] |= line
            if currency.compare_amounts(paid, plan.amount_target) >= 0:
                done |= plan
            elif "missed" in states:
                broken |= plan
        for (amount_paid, state), lines in line_writes.items():
            lines.write({"amount_paid": amount_paid, "state": state})
        if remind:
            remind.write({"reminder_sent": True})
            remind.plan_id._queue_plan_emails("reminder", lines=remind)
        late_lines = late_lines.filtered(lambda line: line.plan_id not in broken | done)
        late_lines.plan_id._queue_plan_emails("missed", lines=late_lines)
        broken._set_broken(today)
        done._set_done(today)
        return broken, done

    def _set_broken(self, today):
        if not self:
            return
        self._write_workflow({"state": "broken", "broken_date": today})
        self.case_id._collection_return_to_ladder()
        for plan in self:
            plan.message_post(body=_("Broken: an instalment was missed."))
        self._queue_plan_emails("broken")

    def _set_done(self, today):
        if not self:
            return
        for plan in self.filtered(lambda p: p.settlement_amount and p.approved_by_id):
            plan._write_off_settlement(today)
        self._write_workflow({"state": "done", "done_date": today})
        self.case_id._collection_set_stage("collections_mgmt.collection_stage_resolved")
        for plan in self:
            plan.message_post(body=_("Completed: every instalment is paid."))
        self._queue_plan_emails("done")

    # ------------------------------------------------------------------
    # Settlement
    # ------------------------------------------------------------------

    def _write_off_settlement(self, today):
        """Write off what the approved settlement leaves on the covered invoices.

        A credit note on the invoices, or, when the company sets a write-off
        account, a journal entry to it; posted and reconciled with the invoices.
        """
        self.ensure_one()
        if not (self.settlement_amount and self.approved_by_id):
            raise UserError(
                _("Only an approved settlement of a payment plan is written off.")
            )
        invoices = self.invoice_ids.filtered(
            lambda m: not m.currency_id.is_zero(m.amount_residual)
        )
        if not invoices:
            return self.env["account.move"]
        account = self.company_id.collection_plan_write_off_account_id
        if account:
            move = self._create_write_off_entry(invoices, account, today)
        else:
            move = self._create_settlement_credit_note(invoices, today)
        move.action_post()
        lines = (move.line_ids | invoices.line_ids).filtered(
            lambda line: (
                line.account_id.account_type == "asset_receivable"
                and not line.reconciled
            )
        )
        for account_lines in lines.grouped("account_id").values():
            account_lines.reconcile()
        self._write_workflow({"write_off_move_id": move.id})
        self.message_post(
            body=_(
                "Settlement: %(amount)s written off with %(move)s.",
                amount=sum(invoices.mapped("amount_residual")),
                move=move.name,
            )
        )
        return move

    def _create_settlement_credit_note(self, invoices, today):
        remainder = sum(invoices.mapped("amount_residual"))
        return (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": self.partner_id.id,
                    "company_id": self.company_id.id,
                    "journal_id": invoices[:1].journal_id.id,
                    "currency_id": self.currency_id.id,
                    "invoice_date": today,
                    "date": today,
                    "ref": _("Settlement of payment plan %(plan)s", plan=self.name),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": _(
                                    "Settlement discount (%(invoices)s)",
                                    invoices=", ".join(invoices.mapped("name")),
                                ),
                                "quantity": 1,
                                "price_unit": remainder,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )

    def _create_write_off_entry(self, invoices, account, today):
        journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self.company_id),
                ("type", "=", "general"),
            ],
            limit=1,
        )
        if not journal:
            raise UserError(
                _(
                    "Company %(company)s has no miscellaneous journal.",
                    company=self.company_id.name,
                )
            )
        label = _("Settlement of payment plan %(plan)s", plan=self.name)
        line_vals = []
        for invoice in invoices:
            receivable = invoice.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            )[:1]
            line_vals.append(
                Command.create(
                    {
                        "name": label,
                        "account_id": receivable.account_id.id,
                        "partner_id": self.partner_id.id,
                        "currency_id": self.currency_id.id,
                        "amount_currency": -invoice.amount_residual,
                        "balance": -invoice.amount_residual_signed,
                    }
                )
            )
        line_vals.append(
            Command.create(
                {
                    "name": label,
                    "account_id": account.id,
                    "partner_id": self.partner_id.id,
                    "currency_id": self.currency_id.id,
                    "amount_currency": sum(invoices.mapped("amount_residual")),
                    "balance": sum(invoices.mapped("amount_residual_signed")),
                }
            )
        )
        return (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": today,
                    "ref": label,
                    "line_ids": line_vals,
                }
            )
        )

    def _mail_get_partner_fields(self, introspect_fields=False):
        return ["partner_id"]

    # ------------------------------------------------------------------
    # Hardening (issue 9): oversized notes and reasons are refused
    # ------------------------------------------------------------------

    @api.constrains("note", "rejected_reason")
    def _check_text_length(self):
        for plan in self:
            if len(plan.note or "") > PLAN_NOTE_MAX:
                raise ValidationError(
                    _(
                        "The notes of a payment plan have at most %(max)s characters.",
                        max=PLAN_NOTE_MAX,
                    )
                )
            if len(plan.rejected_reason or "") > PLAN_REASON_MAX:
                raise ValidationError(
                    _(
                        "The reason for rejecting a payment plan has at most "
                        "%(max)s characters.",
                        max=PLAN_REASON_MAX,
                    )
                )


class CollectionPaymentPlanLine(models.Model):
    _name = "collection.payment.plan.line"
    _description = "Payment Plan Instalment"
    _order = "plan_id, date_due, sequence, id"

    plan_id = fields.Many2one(
        "collection.payment.plan", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(default=10)
    date_due = fields.Date(string="Due Date", required=True)
    amount = fields.Monetary(required=True)
    amount_paid = fields.Monetary(readonly=True)
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("paid", "Paid"),
            ("late", "Late"),
            ("missed", "Missed"),
        ],
        required=True,
        default="pending",
        readonly=True,
    )
    reminder_sent = fields.Boolean(readonly=True, copy=False)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    company_id = fields.Many2one(related="plan_id.company_id", store=True)

    @api.constrains("amount")
    def _check_amount(self):
        for line in self:
            if line.currency_id.compare_amounts(line.amount, 0.0) <= 0:
                raise ValidationError(
                    _("Every instalment of a payment plan must have a positive amount.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        plans = self.env["collection.payment.plan"].browse(
            {vals["plan_id"] for vals in vals_list if vals.get("plan_id")}
        )
        plans._check_schedule_editable()
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - LINE_TRACKING_FIELDS:
            self.plan_id._check_schedule_editable()
        return super().write(vals)

    def unlink(self):
        self.plan_id.filtered(lambda p: p.exists())._check_schedule_editable()
        return super().unlink()
