from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..report.collection_report_aging import BUCKETS

KPI_FLOAT_FIELDS = (
    "dso",
    "best_dso",
    "add",
    "cei",
    "overdue_share",
    "over_90_share",
    "promise_kept_rate",
    "plan_success_rate",
)
KPI_AMOUNT_FIELDS = (
    "receivable_begin",
    "receivable_end",
    "receivable_current",
    "receivable_overdue",
    "credit_sales",
    "collected",
)
TOP_CUSTOMERS = 10


class CollectionDashboard(models.TransientModel):
    """The collections KPIs of a company over a period, with its goals."""

    _name = "collection.dashboard"
    _description = "Collections Dashboard"
    _check_company_auto = True

    def _default_date_from(self):
        return fields.Date.context_today(self).replace(day=1)

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="From", required=True, default=_default_date_from)
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    dso = fields.Float(string="DSO", compute="_compute_kpis", digits=(16, 1))
    best_dso = fields.Float(
        string="Best Possible DSO", compute="_compute_kpis", digits=(16, 1)
    )
    add = fields.Float(
        string="Average Days Delinquent", compute="_compute_kpis", digits=(16, 1)
    )
    cei = fields.Float(string="CEI (%)", compute="_compute_kpis", digits=(16, 1))
    overdue_share = fields.Float(
        string="Overdue Share (%)", compute="_compute_kpis", digits=(16, 1)
    )
    over_90_share = fields.Float(
        string="90+ Share (%)", compute="_compute_kpis", digits=(16, 1)
    )
    promise_kept_rate = fields.Float(
        string="Promises Kept (%)", compute="_compute_kpis", digits=(16, 1)
    )
    plan_success_rate = fields.Float(
        string="Plan Success (%)", compute="_compute_kpis", digits=(16, 1)
    )
    receivable_begin = fields.Monetary(
        string="Receivables at Start", compute="_compute_kpis"
    )
    receivable_end = fields.Monetary(
        string="Receivables at End", compute="_compute_kpis"
    )
    receivable_current = fields.Monetary(
        string="Not Yet Due at End", compute="_compute_kpis"
    )
    receivable_overdue = fields.Monetary(
        string="Overdue at End", compute="_compute_kpis"
    )
    credit_sales = fields.Monetary(compute="_compute_kpis")
    collected = fields.Monetary(compute="_compute_kpis")
    contacts = fields.Integer(compute="_compute_kpis")
    cases_processed = fields.Integer(compute="_compute_kpis")
    skipped = fields.Integer(string="Skipped Actions", compute="_compute_kpis")
    has_promises = fields.Boolean(compute="_compute_kpis")
    has_plans = fields.Boolean(compute="_compute_kpis")
    goal_ids = fields.Many2many("collection.goal", compute="_compute_goal_ids")
    detail_html = fields.Html(
        string="Details", compute="_compute_kpis", sanitize=False, readonly=True
    )

    @api.depends("company_id", "date_from", "date_to")
    def _compute_kpis(self):
        for dashboard in self:
            data = dashboard._get_summary_data()
            kpis = data["kpis"]
            for name in KPI_FLOAT_FIELDS:
                dashboard[name] = kpis[name] or 0.0
            for name in KPI_AMOUNT_FIELDS:
                dashboard[name] = kpis[name]
            dashboard.contacts = kpis["contacts"]
            dashboard.cases_processed = kpis["cases_processed"]
            dashboard.skipped = kpis["skipped"]
            dashboard.has_promises = kpis["promise_kept_rate"] is not None
            dashboard.has_plans = kpis["plan_success_rate"] is not None
            dashboard.detail_html = self.env["ir.qweb"]._render(
                "collections_mgmt.collection_summary_details", dict(data, doc=dashboard)
            )

    @api.depends("company_id")
    def _compute_goal_ids(self):
        for dashboard in self:
            dashboard.goal_ids = self.env["collection.goal"].search(
                [("company_id", "=", dashboard.company_id.id)]
            )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for dashboard in self:
            if dashboard.date_from > dashboard.date_to:
                raise ValidationError(
                    _(
                        "The period starts on %(start)s, after its end %(end)s.",
                        start=dashboard.date_from,
                        end=dashboard.date_to,
                    )
                )

    @api.depends("company_id")
    def _compute_display_name(self):
        # the breadcrumb of the dashboard, instead of "collection.dashboard,1"
        for dashboard in self:
            dashboard.display_name = _("Collections Dashboard")

    @api.model
    def action_open_dashboard(self):
        """Menu entry: a dashboard for the current company and month."""
        dashboard = self.create({})
        return {
            "type": "ir.actions.act_window",
            "name": _("Collections Dashboard"),
            "res_model": self._name,
            "res_id": dashboard.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_open_aging(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collections_mgmt.collection_report_aging_action"
        )
        action["domain"] = [("company_id", "=", self.company_id.id)]
        # the stacked bars first: where the money is stuck
        action["views"] = sorted(action["views"], key=lambda view: view[1] != "graph")
        return action

    def action_print_summary(self):
        self.ensure_one()
        return self.env.ref(
            "collections_mgmt.action_report_collection_summary"
        ).report_action(self)

    # ------------------------------------------------------------------
    # Data of the dashboard and of the printed summary
    # ------------------------------------------------------------------

    def _get_summary_data(self):
        """KPIs, aging, top overdue customers, plans, promises and goals."""
        self.ensure_one()
        company = self.company_id
        Kpi = self.env["collection.kpi"]
        by_collector = Kpi._compute_kpis_by_collector(
            company, self.date_from, self.date_to
        )
        kpis = Kpi._merge_kpis(
            list(by_collector.values()), self.date_from, self.date_to
        )
        users = self.env["res.users"].browse(
            user_id for _company_id, user_id in by_collector if user_id
        )
        collectors = sorted(
            (
                (users.browse(user_id), collector_kpis)
                for (_company_id, user_id), collector_kpis in by_collector.items()
            ),
            key=lambda pair: pair[0].name or "",
        )
        Aging = self.env["collection.report.aging"]
        domain = [("company_id", "=", company.id), ("excluded", "=", False)]
        aging = dict(Aging._read_group(domain, ["bucket"], ["amount_residual:sum"]))
        top = Aging._read_group(
            domain + [("days_overdue", ">", 0)],
            ["partner_id"],
            ["amount_overdue:sum", "days_overdue:max"],
            order="amount_overdue:sum desc",
            limit=TOP_CUSTOMERS,
        )
        return {
            "company": company,
            "currency": company.currency_id,
            "kpis": kpis,
            "collectors": collectors,
            "channels": dict(
                self.env["collection.communication"]._fields["channel"].selection
            ),
            "aging": [(label, aging.get(key, 0.0)) for key, label in BUCKETS],
            "aging_total": sum(aging.values()),
            "top_customers": top,
            "promises": self._count_by_state("collection.promise"),
            "plans": self._count_by_state("collection.payment.plan"),
            "goals": self.env["collection.goal"].search(
                [("company_id", "=", company.id)]
            ),
        }

    def _count_by_state(self, model_name):
        """``[(state label, count)]`` of a model of another capability, or None."""
        if model_name not in self.env:
            return None
        Model = self.env[model_name]
        labels = dict(Model._fields["state"]._description_selection(self.env))
        groups = Model._read_group(
            [("company_id", "=", self.company_id.id)], ["state"], ["__count"]
        )
        return [(labels.get(state, state), count) for state, count in groups]
