from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# settings that count days, contacts or money: never below zero
NOT_NEGATIVE_SETTINGS = (
    "collection_max_emails_7d",
    "collection_max_calls_7d",
    "collection_call_cooldown_days",
    "collection_plan_approval_amount",
    "collection_plan_approval_instalments",
    "collection_plan_approval_days",
    "collection_plan_grace_days",
    "collection_plan_reminder_days",
    "collection_promise_grace_days",
)


class ResCompany(models.Model):
    _inherit = "res.company"

    collection_prepared_at = fields.Datetime(
        readonly=True,
        copy=False,
        help="When the daily run last prepared this company (case sync, scores, plans).",
    )
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

    # ------------------------------------------------------------------
    # Priority scores (issue 5)
    # ------------------------------------------------------------------

    collection_score_weight_amount = fields.Integer(
        string="Weight: Amount Overdue",
        default=25,
        help="Overdue amount, log-scaled against the largest debtor of the company.",
    )
    collection_score_weight_oldest_age = fields.Integer(
        string="Weight: Oldest Invoice Age",
        default=15,
        help="Days overdue of the oldest overdue invoice (full at 120 days).",
    )
    collection_score_weight_amount_days = fields.Integer(
        string="Weight: Amount × Days Overdue",
        default=15,
        help="Sum of each overdue amount times its days overdue, log-scaled against "
        "the largest of the company: grows with every overdue invoice and every day.",
    )
    collection_score_weight_days_late = fields.Integer(
        string="Weight: Days Late When Paying",
        default=10,
        help="Average days late of the invoices paid in the history window "
        "(full at 60 days).",
    )
    collection_score_weight_late_share = fields.Integer(
        string="Weight: Share Paid Late",
        default=10,
        help="Share of the invoices paid in the history window that were paid late.",
    )
    collection_score_weight_broken = fields.Integer(
        string="Weight: Broken Promises",
        default=15,
        help="Broken promises to pay and payment plans in the history window "
        "(full at 3).",
    )
    collection_score_weight_credit_limit = fields.Integer(
        string="Weight: Credit Limit Exceeded",
        default=5,
        help="Open receivables above the customer's credit limit "
        "(when credit limits are enabled).",
    )
    collection_score_weight_trust = fields.Integer(
        string="Weight: Trust Level",
        default=5,
        help="The customer's degree of trust: bad counts in full, normal half, good not.",
    )
    collection_score_history_months = fields.Integer(
        string="Payment History Window",
        default=12,
        help="Months of paid invoices, promises and plans the history factors look at.",
    )
    collection_priority_high_threshold = fields.Float(
        string="High Priority From",
        default=70.0,
        help="Cases scoring this much or more are high priority.",
    )
    collection_priority_medium_threshold = fields.Float(
        string="Medium Priority From",
        default=40.0,
        help="Cases scoring this much or more (below the high threshold) are medium "
        "priority; the others are low.",
    )

    # Payment plans and promises to pay (issue 6)
    collection_plan_approval_amount = fields.Monetary(
        string="Plan Approval Above",
        currency_field="currency_id",
        default=5000.0,
        help="Payment plans whose total exceeds this amount need a manager's approval.",
    )
    collection_plan_approval_instalments = fields.Integer(
        string="Plan Approval Above Instalments",
        default=6,
        help="Payment plans with more instalments need a manager's approval.",
    )
    collection_plan_approval_days = fields.Integer(
        string="Plan Approval Above Days",
        default=180,
        help="Payment plans lasting longer (days from today to the last instalment) "
        "need a manager's approval.",
    )
    collection_plan_self_approval = fields.Boolean(
        string="Managers Approve Their Own Plans",
        help="Without it, nobody approves a payment plan they created or submitted.",
    )
    collection_plan_grace_days = fields.Integer(
        string="Plan Grace Days",
        default=5,
        help="Days after its due date before an unpaid instalment is missed.",
    )
    collection_plan_reminder_days = fields.Integer(
        string="Instalment Reminder Days",
        default=3,
        help="The customer is reminded this many days before each instalment.",
    )
    collection_plan_write_off_account_id = fields.Many2one(
        "account.account",
        string="Settlement Write-off Account",
        check_company=True,
        help="Settlements are written off to this account; without it, with a credit "
        "note on the covered invoices.",
    )
    collection_promise_grace_days = fields.Integer(
        string="Promise Grace Days",
        default=2,
        help="Days after the promised date before an unkept promise is broken.",
    )

    @api.constrains(
        "collection_score_weight_amount",
        "collection_score_weight_oldest_age",
        "collection_score_weight_amount_days",
        "collection_score_weight_days_late",
        "collection_score_weight_late_share",
        "collection_score_weight_broken",
        "collection_score_weight_credit_limit",
        "collection_score_weight_trust",
        "collection_score_history_months",
        "collection_priority_high_threshold",
        "collection_priority_medium_threshold",
    )
    def _check_collection_score_settings(self):
        weight_fields = [
            name for name in self._fields if name.startswith("collection_score_weight_")
        ]
        for company in self:
            for name in weight_fields:
                if company[name] < 0:
                    raise ValidationError(
                        _(
                            "The priority score weight %(weight)s of %(company)s "
                            "cannot be negative.",
                            weight=self._fields[name]._description_string(self.env),
                            company=company.name,
                        )
                    )
            if company.collection_score_history_months < 1:
                raise ValidationError(
                    _(
                        "The payment history window of %(company)s must be at least "
                        "one month.",
                        company=company.name,
                    )
                )
            medium = company.collection_priority_medium_threshold
            high = company.collection_priority_high_threshold
            if not 0 <= medium <= high <= 100:
                raise ValidationError(
                    _(
                        "Priority thresholds of %(company)s: medium (%(medium)s) and "
                        "high (%(high)s) must satisfy 0 <= medium <= high <= 100.",
                        company=company.name,
                        medium=medium,
                        high=high,
                    )
                )

    # ------------------------------------------------------------------
    # Hardening (issue 9): settings out of range are refused
    # ------------------------------------------------------------------

    @api.constrains(
        "collection_contact_hour_start",
        "collection_contact_hour_end",
        *NOT_NEGATIVE_SETTINGS,
    )
    def _check_collection_settings(self):
        for company in self:
            start = company.collection_contact_hour_start
            end = company.collection_contact_hour_end
            if not (0 <= start <= 24 and 0 <= end <= 24):
                raise ValidationError(
                    _(
                        "The contact window of %(company)s must lie between 0 and 24 "
                        "hours (now %(start)s to %(end)s).",
                        company=company.name,
                        start=start,
                        end=end,
                    )
                )
            if start == end:
                raise ValidationError(
                    _(
                        "The contact window of %(company)s is empty: it starts and "
                        "ends at %(hour)s.",
                        company=company.name,
                        hour=start,
                    )
                )
            for name in NOT_NEGATIVE_SETTINGS:
                if company[name] < 0:
                    raise ValidationError(
                        _(
                            "The setting %(setting)s of %(company)s cannot be negative.",
                            setting=self._fields[name]._description_string(self.env),
                            company=company.name,
                        )
                    )
