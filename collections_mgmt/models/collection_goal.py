from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

METRICS = [
    ("dso", "DSO (days)"),
    ("best_dso", "Best possible DSO (days)"),
    ("add", "Average days delinquent (days)"),
    ("cei", "Collection effectiveness index (%)"),
    ("overdue_share", "Overdue share of receivables (%)"),
    ("over_90_share", "90+ days share of receivables (%)"),
    ("collected", "Amount collected"),
    ("promise_kept_rate", "Promise-kept rate (%)"),
    ("plan_success_rate", "Payment plan success rate (%)"),
    ("contacts", "Contacts made"),
]
RAISE_METRICS = {
    "cei",
    "collected",
    "promise_kept_rate",
    "plan_success_rate",
    "contacts",
}
STATUSES = [
    ("on_track", "On track"),
    ("at_risk", "At risk"),
    ("achieved", "Achieved"),
    ("missed", "Missed"),
]


def goal_progress(direction, baseline, target, current):
    """Share of the way from baseline to target covered, in percent (0-100)."""
    if current is None or baseline is None:
        return 0.0
    if target == baseline:
        return 100.0 if goal_reached(direction, target, current) else 0.0
    return max(0.0, min(100.0, (current - baseline) / (target - baseline) * 100.0))


def goal_reached(direction, target, current):
    if current is None:
        return False
    return current <= target if direction == "reduce" else current >= target


def goal_status(direction, baseline, target, current, date_start, deadline, today):
    """Where ``current`` stands against the straight line from baseline to target.

    Achieved once the target is reached; after the deadline, missed if it was
    not; before, on track when the value is at least as good as the line's
    value for today, at risk when worse.
    """
    if goal_reached(direction, target, current):
        return "achieved"
    if today > deadline:
        return "missed"
    if current is None or baseline is None or today <= date_start:
        return "on_track"
    elapsed = (today - date_start).days / max((deadline - date_start).days, 1)
    expected = baseline + (target - baseline) * min(elapsed, 1.0)
    better = current <= expected if direction == "reduce" else current >= expected
    return "on_track" if better else "at_risk"


# longest goal name accepted, in characters (issue 9)
GOAL_NAME_MAX = 256


class CollectionGoal(models.Model):
    _name = "collection.goal"
    _description = "Collections Goal"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_deadline, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    owner_type = fields.Selection(
        [("user", "Collector"), ("company", "Team (company)")],
        string="Owner",
        required=True,
        default="company",
        help="Collector: measured on the customers of this collector's cases. "
        "Team: measured on the whole company.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        index=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    manager_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        help="Warned when a team goal falls behind.",
    )
    metric = fields.Selection(METRICS, required=True, default="dso", tracking=True)
    direction = fields.Selection(
        [("reduce", "Reduce"), ("raise", "Raise")],
        compute="_compute_direction",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
    )
    target_value = fields.Float(string="Target", required=True, tracking=True)
    date_start = fields.Date(
        string="Start", required=True, default=fields.Date.context_today
    )
    date_deadline = fields.Date(string="Deadline", required=True, tracking=True)
    period_days = fields.Integer(
        string="Measured Over (days)",
        default=30,
        required=True,
        help="The value on a day is the metric over the days ending that day.",
    )
    baseline_value = fields.Float(string="Baseline", readonly=True, copy=False)
    baseline_date = fields.Date(readonly=True, copy=False)
    current_value = fields.Float(string="Current", readonly=True, copy=False)
    has_value = fields.Boolean(readonly=True, copy=False)
    expected_value = fields.Float(
        string="Expected Today",
        compute="_compute_expected_value",
        help="The value on the straight line from baseline to target.",
    )
    progress = fields.Float(readonly=True, copy=False, aggregator="avg")
    status = fields.Selection(
        STATUSES, default="on_track", readonly=True, copy=False, tracking=True
    )
    last_update_date = fields.Date(readonly=True, copy=False)
    closed = fields.Boolean(
        readonly=True, copy=False, help="Past its deadline and measured a last time."
    )
    snapshot_ids = fields.One2many("collection.goal.snapshot", "goal_id", readonly=True)

    _sql_constraints = [
        (
            "period_days_positive",
            "CHECK(period_days > 0)",
            "A goal is measured over at least one day.",
        ),
    ]

    @api.depends("metric")
    def _compute_direction(self):
        for goal in self:
            goal.direction = "raise" if goal.metric in RAISE_METRICS else "reduce"

    @api.depends("baseline_value", "target_value", "date_start", "date_deadline")
    @api.depends_context("date")
    def _compute_expected_value(self):
        today = fields.Date.context_today(self)
        for goal in self:
            if not goal.baseline_date:
                goal.expected_value = 0.0
                continue
            span = max((goal.date_deadline - goal.date_start).days, 1)
            elapsed = min(max((today - goal.date_start).days / span, 0.0), 1.0)
            goal.expected_value = (
                goal.baseline_value
                + (goal.target_value - goal.baseline_value) * elapsed
            )

    @api.constrains("date_start", "date_deadline")
    def _check_dates(self):
        for goal in self:
            if goal.date_deadline <= goal.date_start:
                raise ValidationError(
                    _(
                        "The deadline of the goal %(name)s (%(deadline)s) must come "
                        "after its start (%(start)s).",
                        name=goal.name,
                        deadline=goal.date_deadline,
                        start=goal.date_start,
                    )
                )

    @api.constrains("owner_type", "user_id")
    def _check_user_id(self):
        for goal in self:
            if goal.owner_type == "user" and not goal.user_id:
                raise ValidationError(
                    _("The goal %(name)s needs its collector.", name=goal.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        goals = super().create(vals_list)
        goals._update_values()
        return goals

    @api.constrains("name")
    def _check_name_length(self):
        # Hardening (issue 9): an oversized name is refused
        for goal in self:
            if len(goal.name or "") > GOAL_NAME_MAX:
                raise ValidationError(
                    _("A goal name has at most %(max)s characters.", max=GOAL_NAME_MAX)
                )

    def action_refresh(self):
        """Measure these goals again today (button)."""
        self._update_values()
        return True

    def action_open_snapshots(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collections_mgmt.collection_goal_snapshot_action"
        )
        action["domain"] = [("goal_id", "=", self.id)]
        action["context"] = {"default_goal_id": self.id}
        action["display_name"] = _("Progress of %(goal)s", goal=self.name)
        return action

    # ------------------------------------------------------------------
    # Measure
    # ------------------------------------------------------------------

    def _window(self, day):
        """The measurement period of the value on ``day``."""
        self.ensure_one()
        return day - timedelta(days=self.period_days - 1), day

    def _measure(self, day_by_goal):
        """The metric value of each goal on its day, grouped by period: a few queries.

        :param day_by_goal: ``{goal: date}``
        :return: ``{goal.id: value or None}``
        """
        Kpi = self.env["collection.kpi"]
        goals_by_window = defaultdict(lambda: self.browse())
        for goal, day in day_by_goal.items():
            goals_by_window[goal._window(day)] |= goal
        values = {}
        for (date_from, date_to), goals in goals_by_window.items():
            by_collector = Kpi._compute_kpis_by_collector(
                goals.company_id, date_from, date_to
            )
            for goal in goals:
                if goal.owner_type == "user":
                    parts = [by_collector.get((goal.company_id.id, goal.user_id.id))]
                else:
                    parts = [
                        kpis
                        for (company_id, _user), kpis in by_collector.items()
                        if company_id == goal.company_id.id
                    ]
                kpis = Kpi._merge_kpis(
                    [part for part in parts if part], date_from, date_to
                )
                values[goal.id] = kpis[goal.metric]
        return values

    def _update_values(self, today=None):
        """Capture missing baselines, measure the goals, set progress and status.

        A goal that turns at risk gets an activity for its owner (on the
        transition only). Returns ``{goal.id: (value, progress, status)}``.
        """
        today = today or fields.Date.context_today(self)
        started = self.filtered(lambda g: g.date_start <= today and not g.closed)
        need_baseline = started.filtered(lambda g: not g.baseline_date)
        baselines = need_baseline._measure(
            {goal: goal.date_start - timedelta(days=1) for goal in need_baseline}
        )
        for goal in need_baseline:
            goal.write(
                {
                    "baseline_value": baselines[goal.id] or 0.0,
                    "baseline_date": goal.date_start - timedelta(days=1),
                }
            )
        currents = started._measure(
            {goal: min(today, goal.date_deadline) for goal in started}
        )
        results = {}
        turned_at_risk = self.browse()
        for goal in started:
            value = currents[goal.id]
            status = goal_status(
                goal.direction,
                goal.baseline_value,
                goal.target_value,
                value,
                goal.date_start,
                goal.date_deadline,
                today,
            )
            progress = goal_progress(
                goal.direction, goal.baseline_value, goal.target_value, value
            )
            if status == "at_risk" and goal.status != "at_risk":
                turned_at_risk |= goal
            goal.write(
                {
                    "current_value": value or 0.0,
                    "has_value": value is not None,
                    "progress": progress,
                    "status": status,
                    "last_update_date": today,
                    "closed": today > goal.date_deadline,
                }
            )
            results[goal.id] = (value, progress, status)
        turned_at_risk._schedule_at_risk_activity()
        return results

    def _schedule_at_risk_activity(self):
        for goal in self:
            owner = goal.user_id if goal.owner_type == "user" else goal.manager_id
            goal.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Goal at risk: %(goal)s", goal=goal.name),
                note=_(
                    "%(metric)s is %(value).2f, the line to the target expects "
                    "%(expected).2f today.",
                    metric=dict(METRICS)[goal.metric],
                    value=goal.current_value,
                    expected=goal.expected_value,
                ),
                user_id=(owner or goal.create_uid).id,
            )

    @api.model
    def _cron_snapshot_goals(self, companies=None):
        """Daily: measure the open goals and write today's snapshot of each.

        Re-runnable: a second run on the same day updates the day's snapshot.
        """
        today = fields.Date.context_today(self)
        domain = [("closed", "=", False), ("date_start", "<=", today)]
        if companies:
            domain.append(("company_id", "in", companies.ids))
        goals = self.search(domain)
        results = goals._update_values(today)
        Snapshot = self.env["collection.goal.snapshot"]
        existing = {
            snapshot.goal_id.id: snapshot
            for snapshot in Snapshot.search(
                [("goal_id", "in", goals.ids), ("date", "=", today)]
            )
        }
        to_create = []
        for goal_id, (value, progress, status) in results.items():
            values = {
                "value": value or 0.0,
                "progress": progress,
                "status": status,
            }
            if goal_id in existing:
                existing[goal_id].write(values)
            else:
                to_create.append(dict(values, goal_id=goal_id, date=today))
        Snapshot.create(to_create)
        return goals


class CollectionGoalSnapshot(models.Model):
    _name = "collection.goal.snapshot"
    _description = "Collections Goal Snapshot"
    _order = "goal_id, date"
    _rec_name = "date"

    goal_id = fields.Many2one(
        "collection.goal", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="goal_id.company_id", store=True, index=True)
    date = fields.Date(required=True)
    value = fields.Float(aggregator="avg")
    progress = fields.Float(aggregator="avg")
    status = fields.Selection(STATUSES)

    _sql_constraints = [
        (
            "goal_date_uniq",
            "UNIQUE(goal_id, date)",
            "A goal has one snapshot a day.",
        ),
    ]
