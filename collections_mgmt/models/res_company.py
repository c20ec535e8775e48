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
