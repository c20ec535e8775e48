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
    collection_enforce_contact_window = fields.Boolean(
        related="company_id.collection_enforce_contact_window", readonly=False
    )
    collection_max_emails_7d = fields.Integer(
        related="company_id.collection_max_emails_7d", readonly=False
    )
    collection_max_calls_7d = fields.Integer(
        related="company_id.collection_max_calls_7d", readonly=False
    )
    collection_call_cooldown_days = fields.Integer(
        related="company_id.collection_call_cooldown_days", readonly=False
    )
    collection_escalation_user_id = fields.Many2one(
        related="company_id.collection_escalation_user_id", readonly=False
    )

    # Priority scores (issue 5)
    collection_score_weight_amount = fields.Integer(
        related="company_id.collection_score_weight_amount", readonly=False
    )
    collection_score_weight_oldest_age = fields.Integer(
        related="company_id.collection_score_weight_oldest_age", readonly=False
    )
    collection_score_weight_amount_days = fields.Integer(
        related="company_id.collection_score_weight_amount_days", readonly=False
    )
    collection_score_weight_days_late = fields.Integer(
        related="company_id.collection_score_weight_days_late", readonly=False
    )
    collection_score_weight_late_share = fields.Integer(
        related="company_id.collection_score_weight_late_share", readonly=False
    )
    collection_score_weight_broken = fields.Integer(
        related="company_id.collection_score_weight_broken", readonly=False
    )
    collection_score_weight_credit_limit = fields.Integer(
        related="company_id.collection_score_weight_credit_limit", readonly=False
    )
    collection_score_weight_trust = fields.Integer(
        related="company_id.collection_score_weight_trust", readonly=False
    )
    collection_score_history_months = fields.Integer(
        related="company_id.collection_score_history_months", readonly=False
    )
    collection_priority_high_threshold = fields.Float(
        related="company_id.collection_priority_high_threshold", readonly=False
    )
    collection_priority_medium_threshold = fields.Float(
        related="company_id.collection_priority_medium_threshold", readonly=False
    )

    # Payment plans and promises to pay (issue 6)
    collection_plan_approval_amount = fields.Monetary(
        related="company_id.collection_plan_approval_amount", readonly=False
    )
    collection_plan_approval_instalments = fields.Integer(
        related="company_id.collection_plan_approval_instalments", readonly=False
    )
    collection_plan_approval_days = fields.Integer(
        related="company_id.collection_plan_approval_days", readonly=False
    )
    collection_plan_self_approval = fields.Boolean(
        related="company_id.collection_plan_self_approval", readonly=False
    )
    collection_plan_grace_days = fields.Integer(
        related="company_id.collection_plan_grace_days", readonly=False
    )
    collection_plan_reminder_days = fields.Integer(
        related="company_id.collection_plan_reminder_days", readonly=False
    )
    collection_plan_write_off_account_id = fields.Many2one(
        related="company_id.collection_plan_write_off_account_id", readonly=False
    )
    collection_promise_grace_days = fields.Integer(
        related="company_id.collection_promise_grace_days", readonly=False
    )
