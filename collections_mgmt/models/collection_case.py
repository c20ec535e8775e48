import json
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL, split_every
from odoo.tools.misc import formatLang

from ..lib import scoring


class CollectionCase(models.Model):
    _name = "collection.case"
    _description = "Collection Case"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "priority_score desc, amount_overdue desc, id"
    _check_company_auto = True

    def _default_stage_id(self):
        return self.env["collection.stage"]._get_first_ladder_stage(self.env.company)

    name = fields.Char(related="partner_id.name", store=True)
    active = fields.Boolean(default=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="restrict",
        domain="[('is_company', '=', True)]",
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    # stored: the amounts of thousands of new cases find their currency in the values
    currency_id = fields.Many2one(related="company_id.currency_id", store=True)
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        index=True,
        tracking=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    stage_id = fields.Many2one(
        "collection.stage",
        index=True,
        tracking=True,
        ondelete="restrict",
        default=_default_stage_id,
        group_expand="_read_group_stage_ids",
        domain="[('company_id', 'in', [company_id, False])]",
    )
    stage_kind = fields.Selection(related="stage_id.kind")
    cycle = fields.Integer(
        default=1,
        readonly=True,
        help="Counts the times this customer fell overdue again after being resolved.",
    )
    amount_due = fields.Monetary(
        readonly=True, help="Open receivables of the customer, in company currency."
    )
    amount_overdue = fields.Monetary(
        readonly=True,
        help="Open receivables past their due date, in company currency. "
        "Excluded (disputed) invoices do not count.",
    )
    oldest_due_date = fields.Date(readonly=True)
    days_overdue = fields.Integer(compute="_compute_days_overdue")
    invoice_link_ids = fields.One2many("collection.case.invoice", "case_id")
    invoice_ids = fields.Many2many(
        "account.move",
        compute="_compute_invoice_ids",
        help="The invoices that fell overdue in this case, paid ones included.",
    )
    overdue_invoice_ids = fields.Many2many(
        "account.move",
        compute="_compute_overdue_invoice_ids",
        string="Overdue Invoices",
    )
    invoice_count = fields.Integer(compute="_compute_overdue_invoice_ids")
    next_action_date = fields.Date(tracking=True)
    last_contact_date = fields.Date(readonly=True)
    reminder_partner_id = fields.Many2one(
        "res.partner",
        compute="_compute_reminder_partner_id",
        string="Reminder Recipient",
        help="The customer's invoice address if it has one, else the customer.",
    )
    optout_url = fields.Char(
        compute="_compute_optout_url",
        help="Link that opts the recipient out of emails.",
    )
    communication_ids = fields.One2many("collection.communication", "case_id")
    communication_count = fields.Integer(compute="_compute_communication_count")

    _sql_constraints = [
        (
            "partner_company_uniq",
            "UNIQUE(partner_id, company_id)",
            "A customer has one collection case per company.",
        ),
    ]

    @api.depends("oldest_due_date")
    def _compute_days_overdue(self):
        today = fields.Date.context_today(self)
        for case in self:
            due = case.oldest_due_date
            case.days_overdue = (today - due).days if due and due < today else 0

    @api.depends("invoice_link_ids.move_id")
    def _compute_invoice_ids(self):
        for case in self:
            case.invoice_ids = case.invoice_link_ids.move_id

    @api.depends(
        "invoice_link_ids.move_id.amount_residual",
        "invoice_link_ids.move_id.collection_excluded",
    )
    def _compute_overdue_invoice_ids(self):
        today = fields.Date.context_today(self)
        for case in self:
            invoices = case.invoice_ids.filtered(
                lambda m: (
                    m.state == "posted"
                    and not m.collection_excluded
                    and not m.currency_id.is_zero(m.amount_residual)
                    and m.invoice_date_due
                    and m.invoice_date_due < today
                )
            )
            case.overdue_invoice_ids = invoices
            case.invoice_count = len(invoices)

    @api.depends("partner_id.child_ids.type", "partner_id.child_ids.email")
    def _compute_reminder_partner_id(self):
        for case in self:
            partner = case.partner_id
            invoice_contacts = partner.child_ids.filtered(
                lambda p: p.type == "invoice" and p.email
            )
            case.reminder_partner_id = invoice_contacts[:1] or partner

    def _compute_optout_url(self):
        for case in self:
            case.optout_url = case.reminder_partner_id._collections_optout_url()

    def _compute_communication_count(self):
        counts = dict(
            self.env["collection.communication"]._read_group(
                [("case_id", "in", self.ids)], ["case_id"], ["__count"]
            )
        )
        for case in self:
            case.communication_count = counts.get(case, 0)

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        company_ids = self.env.companies.ids + [False]
        return stages.search(
            ["|", ("id", "in", stages.ids), ("company_id", "in", company_ids)]
        )

    def action_refresh(self):
        """Re-sync the amounts of these cases' customers (button)."""
        self._sync_cases(partners=self.partner_id, companies=self.company_id)
        return True

    def action_sync_all(self):
        """Re-sync every case of the user's companies (worklist button)."""
        self._sync_cases(companies=self.env.companies)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_open_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", self.overdue_invoice_ids.ids)]
        action["context"] = {"create": False}
        return action

    def _action_open_related(self, action_xmlid):
        """The window action ``action_xmlid`` on the records of this case."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(action_xmlid)
        action["domain"] = [("case_id", "=", self.id)]
        action["context"] = {"default_case_id": self.id}
        return action

    def action_open_communications(self):
        return self._action_open_related(
            "collections_mgmt.collection_communication_action"
        )

    def action_print_statement(self):
        return self.env.ref(
            "collections_mgmt.action_report_collection_statement"
        ).report_action(self)

    def action_log_call(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Log a Call"),
            "res_model": "collection.case.log.call",
            "view_mode": "form",
            "target": "new",
            "context": {"default_case_id": self.id},
        }

    def action_send_reminder(self):
        """Send the current stage's reminder now, under the fair-treatment rules."""
        self.ensure_one()
        return self.env["collection.daily.run"]._send_manual_reminder(self)

    def action_run_now(self):
        """Queue the daily collections run in the cron worker (managers); see its progress."""
        return self.env["collection.run"].action_queue_daily_run()

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # Case sync
    # ------------------------------------------------------------------

    @api.model
    def _get_receivable_where(self, company, partners=None):
        """WHERE clause selecting the open receivable lines that cases count."""
        clauses = [
            SQL("aml.company_id = %s", company.id),
            SQL("aml.parent_state = 'posted'"),
            SQL("account.account_type = 'asset_receivable'"),
            SQL("NOT aml.reconciled"),
            SQL("aml.amount_residual != 0"),
            SQL("move.collection_excluded IS NOT TRUE"),
        ]
        if partners:
            clauses.append(
                SQL("partner.commercial_partner_id IN %s", tuple(partners.ids))
            )
        return SQL(" AND ").join(clauses)

    @api.model
    def _query_overdue_balances(self, company, today, partners=None):
        """One grouped query: per commercial partner, open and overdue amounts."""
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model(["collection_excluded"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        query = SQL(
            """
            SELECT partner.commercial_partner_id,
                   SUM(aml.amount_residual),
                   SUM(aml.amount_residual) FILTER (WHERE aml.date_maturity < %(today)s),
                   MIN(aml.date_maturity) FILTER (
                       WHERE aml.date_maturity < %(today)s AND aml.amount_residual > 0
                   )
              FROM account_move_line aml
              JOIN account_move move ON move.id = aml.move_id
              JOIN account_account account ON account.id = aml.account_id
              JOIN res_partner partner ON partner.id = aml.partner_id
             WHERE %(where)s
          GROUP BY partner.commercial_partner_id
            """,
            today=today,
            where=self._get_receivable_where(company, partners),
        )
        self.env.cr.execute(query)
        return {
            partner_id: (due or 0.0, overdue or 0.0, oldest)
            for partner_id, due, overdue, oldest in self.env.cr.fetchall()
        }

    # links inserted or moved by one sync past which their table is analyzed
    _link_analyze_rows = 1000

    @api.model
    def _link_overdue_invoices(self, company, today, partners=None):
        """Put every overdue open invoice of the company in its case (one INSERT).

        The link is a row of ``collection.case.invoice``: ``account_move`` is never
        rewritten. An invoice whose customer's case changed moves to the new case.
        A new link of a case the daily run works (ladder or paused stage) starts at
        the ladder level its days overdue reach, the level the run's batch would
        give it: the batch then only raises the levels of invoices that aged.
        """
        self.flush_model(["partner_id", "company_id", "stage_id"])
        self.env["collection.case.invoice"].flush_model(["case_id"])
        self.env["collection.stage"].flush_model(["kind"])
        ladder = self.env["collection.stage"]._get_stages(company, "ladder")
        if ladder:
            level = SQL(
                """
                CASE WHEN case_stage.kind IN ('ladder', 'manual') THEN (
                    SELECT ladder.stage_id
                      FROM (VALUES %(ladder)s) AS ladder(min_days, sequence, stage_id)
                     WHERE ladder.min_days <= %(today)s::date - move.invoice_date_due
                  ORDER BY ladder.min_days DESC, ladder.sequence DESC
                     LIMIT 1
                ) END
                """,
                ladder=SQL(", ").join(
                    SQL(
                        "(%s, %s, %s)", stage.min_days_overdue, stage.sequence, stage.id
                    )
                    for stage in ladder
                ),
                today=today,
            )
        else:
            level = SQL("NULL::integer")
        query = SQL(
            """
            INSERT INTO collection_case_invoice
                   (move_id, case_id, reminder_count, level_id)
            SELECT DISTINCT ON (aml.move_id) aml.move_id, case_.id, 0, %(level)s
              FROM account_move_line aml
              JOIN account_move move ON move.id = aml.move_id
              JOIN account_account account ON account.id = aml.account_id
              JOIN res_partner partner ON partner.id = aml.partner_id
              JOIN collection_case case_
                ON case_.partner_id = partner.commercial_partner_id
               AND case_.company_id = aml.company_id
              JOIN collection_stage case_stage ON case_stage.id = case_.stage_id
             WHERE %(where)s
               AND aml.date_maturity < %(today)s
            ON CONFLICT (move_id) DO UPDATE
               SET case_id = EXCLUDED.case_id
             WHERE collection_case_invoice.case_id IS DISTINCT FROM EXCLUDED.case_id
         RETURNING move_id
            """,
            level=level,
            today=today,
            where=self._get_receivable_where(company, partners),
        )
        self.env.cr.execute(query)
        moved_ids = [row[0] for row in self.env.cr.fetchall()]
        if len(moved_ids) > self._link_analyze_rows:
            # a bulk load (a first run): the batches' joins need the planner to know
            # the table's new size now, not when autovacuum gets to it
            self.env.cr.execute(SQL("ANALYZE collection_case_invoice"))
        if moved_ids:
            self.env["collection.case.invoice"].invalidate_model()
            self.env["account.move"].browse(moved_ids).invalidate_recordset(
                ["collection_link_ids", "collection_case_id", "collection_level_id"]
            )
            self.invalidate_model(["invoice_link_ids", "invoice_ids"])

    @api.model
    def _sync_cases(self, companies=None, partners=None):
        """Create, update and resolve cases from the open receivables.

        Set-based: per company one grouped query on ``account.move.line``, one
        search of the existing cases, batched creates, writes only where a value
        changed. A second run changes nothing.

        :param companies: companies to sync (default: all the user's companies)
        :param partners: restrict to these customers (their commercial partners)
        :return: the cases created or updated
        """
        companies = companies or self.env.companies
        if partners:
            partners = partners.commercial_partner_id
        today = fields.Date.context_today(self)
        Stage = self.env["collection.stage"]
        touched = self.browse()
        for company in companies:
            balances = self._query_overdue_balances(company, today, partners)
            domain = [("company_id", "=", company.id)]
            if partners:
                domain.append(("partner_id", "in", partners.ids))
            cases = self.with_context(active_test=False).search(domain)
            case_by_partner = {case.partner_id.id: case for case in cases}
            first_stage = Stage._get_first_ladder_stage(company)
            closed_stage = Stage._get_closed_stage(company)
            currency = company.currency_id

            to_create = []
            writes = defaultdict(lambda: self.browse())
            for partner_id, (due, overdue, oldest) in balances.items():
                # credits not yet due still lower what the customer owes overall
                overdue = min(overdue, due)
                if currency.compare_amounts(overdue, 0.0) <= 0:
                    continue
                values = {
                    "amount_due": currency.round(due),
                    "amount_overdue": currency.round(overdue),
                    "oldest_due_date": oldest,
                }
                case = case_by_partner.get(partner_id)
                if not case:
                    to_create.append(
                        dict(
                            values,
                            partner_id=partner_id,
                            company_id=company.id,
                            currency_id=currency.id,
                            stage_id=first_stage.id,
                        )
                    )
                    continue
                if case.stage_id.kind == "closed" or not case.active:
                    values.update(
                        stage_id=first_stage.id, cycle=case.cycle + 1, active=True
                    )
                changed = case._get_changed_values(values)
                if changed:
                    writes[tuple(sorted(changed.items()))] |= case

            # cases whose customer has nothing overdue any more
            resolved = self.browse(
                case.id
                for partner_id, case in case_by_partner.items()
                if case.active
                and case.stage_id.kind != "closed"
                and currency.compare_amounts(
                    min(balances.get(partner_id, (0.0, 0.0, None))[:2]), 0.0
                )
                <= 0
            )
            for case in resolved:
                due = balances.get(case.partner_id.id, (0.0, 0.0, None))[0]
                values = {
                    "stage_id": closed_stage.id,
                    "amount_due": currency.round(due),
                    "amount_overdue": 0.0,
                    "oldest_due_date": False,
                }
                writes[tuple(sorted(values.items()))] |= case

            for values, group in writes.items():
                group.write(dict(values))
                touched |= group
            if to_create:
                collectors = self._get_default_collectors(
                    company, [vals["partner_id"] for vals in to_create]
                )
                partners = self.env["res.partner"].browse(list(collectors))
                partners.fetch(["name"])
                names = {partner.id: partner.name for partner in partners}
                for vals in to_create:
                    vals["user_id"] = collectors.get(vals["partner_id"], False)
                    # related stored: given, so no UPDATE follows the INSERT
                    vals["name"] = names.get(vals["partner_id"])
                touched |= self.with_context(
                    mail_create_nolog=True, mail_create_nosubscribe=True
                ).create(to_create)
            self._link_overdue_invoices(company, today, partners)
        return touched

    def _get_changed_values(self, values):
        """The part of ``values`` (ids for relations) that differs from the record."""
        self.ensure_one()
        changed = {}
        for key, value in values.items():
            current = self[key]
            if isinstance(current, models.BaseModel):
                current = current.id
            if current != value:
                changed[key] = value
        return changed

    @api.model
    def _refresh_priority_scores(self, company):
        """Hook of the daily run: refresh the priority scores of ``company``'s cases."""
        self._compute_priority_scores(company)

    def _get_statement_data(self):
        """Open receivable items of each case's customer, with aging buckets.

        One search for all the cases: ``{case_id: {"lines": [...], "buckets": {...}}}``.
        """
        today = fields.Date.context_today(self)
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "child_of", self.partner_id.ids),
                ("company_id", "in", self.company_id.ids),
                ("parent_state", "=", "posted"),
                ("account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                ("amount_residual", "!=", 0),
                ("move_id.collection_excluded", "=", False),
            ],
            order="date_maturity, id",
        )
        keys = ("current", "1_30", "31_60", "61_90", "90_plus")
        data = {
            case.id: {
                "date": today,
                "lines": [],
                "buckets": dict.fromkeys(keys, 0.0),
                "total": 0.0,
            }
            for case in self
        }
        case_by_key = {(c.partner_id.id, c.company_id.id): c for c in self}
        for line in lines:
            case = case_by_key.get(
                (line.partner_id.commercial_partner_id.id, line.company_id.id)
            )
            if not case:
                continue
            days = (today - line.date_maturity).days if line.date_maturity else 0
            bucket = (
                "current"
                if days <= 0
                else "1_30"
                if days <= 30
                else "31_60"
                if days <= 60
                else "61_90"
                if days <= 90
                else "90_plus"
            )
            entry = data[case.id]
            entry["lines"].append(
                {"line": line, "days": max(days, 0), "bucket": bucket}
            )
            entry["buckets"][bucket] += line.amount_residual
            entry["total"] += line.amount_residual
        return data

    @api.model
    def _get_default_collectors(self, company, partner_ids):
        """Collector of new cases: the customer's, else the company's default."""
        partners = self.env["res.partner"].with_company(company).browse(partner_ids)
        # that field only: reading it would fetch every column of thousands of partners
        partners.fetch(["collection_user_id"])
        default = company.collection_user_id.id
        return {p.id: p.collection_user_id.id or default for p in partners}

    @api.model
    def _cron_sync_cases(self):
        self._sync_cases(companies=self.env["res.company"].search([]))

    def _mail_get_partner_fields(self, introspect_fields=False):
        return ["partner_id"]

    # ------------------------------------------------------------------
    # Priority scores (issue 5): which customer to call first, and why.
    # The formula is collections_mgmt/lib/scoring.py; readme/CONFIGURE.md
    # documents it with a worked example.
    # ------------------------------------------------------------------

    priority_score = fields.Float(
        digits=(5, 2),
        readonly=True,
        index=True,
        aggregator="avg",
        help="0 to 100: who to call first. Refreshed daily and by Recompute Scores.",
    )
    priority = fields.Selection(
        [("high", "High"), ("medium", "Medium"), ("low", "Low")],
        readonly=True,
        index=True,
        help="From the score and the company's thresholds; empty until first scored.",
    )
    priority_breakdown = fields.Json(
        readonly=True,
        help="Factors of the score: key, raw value, normalised value, weight, points.",
    )
    priority_breakdown_html = fields.Html(
        string="Why this priority?",
        compute="_compute_priority_breakdown_html",
        sanitize=False,
    )
    priority_score_date = fields.Date(string="Score Computed On", readonly=True)

    @api.depends("priority_breakdown", "priority_score")
    def _compute_priority_breakdown_html(self):
        labels = self._get_priority_factor_labels()
        for case in self:
            factors = (case.priority_breakdown or {}).get("factors", [])
            if not factors:
                case.priority_breakdown_html = False
                continue
            rows = [
                {
                    "label": labels.get(factor["key"], factor["key"]),
                    "raw": case._format_priority_raw(factor["key"], factor["raw"]),
                    "normalised": f"{factor['normalised']:.2f}",
                    "weight": factor["weight"],
                    "points": f"{factor['points']:.2f}",
                }
                for factor in factors
            ]
            case.priority_breakdown_html = self.env["ir.qweb"]._render(
                "collections_mgmt.collection_case_priority_breakdown",
                {
                    "rows": rows,
                    "score": f"{case.priority_score:.2f}",
                    "priority": dict(
                        self._fields["priority"]._description_selection(self.env)
                    ).get(case.priority),
                },
            )

    def action_recompute_priority_scores(self):
        """Recompute the scores of the companies of these cases (all the user's
        companies from the worklist header): amounts are normalised against the
        whole portfolio, so a company is always scored as a whole."""
        if not self.env.user.has_group("collections_mgmt.group_collections_manager"):
            raise AccessError(_("Only collections managers can recompute the scores."))
        self._compute_priority_scores(self.company_id or self.env.companies)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _get_priority_factors(self):
        """``(key, weight field on res.company)`` of every factor, in display order.

        To add a factor: extend this list, add the weight field to res.company and
        define ``_score_factor_<key>(inputs)``.
        """
        return [
            ("amount", "collection_score_weight_amount"),
            ("oldest_age", "collection_score_weight_oldest_age"),
            ("amount_days", "collection_score_weight_amount_days"),
            ("days_late", "collection_score_weight_days_late"),
            ("late_share", "collection_score_weight_late_share"),
            ("broken", "collection_score_weight_broken"),
            ("credit_limit", "collection_score_weight_credit_limit"),
            ("trust", "collection_score_weight_trust"),
        ]

    @api.model
    def _get_priority_factor_labels(self):
        return {
            "amount": _("Amount overdue"),
            "oldest_age": _("Days overdue (oldest invoice)"),
            "amount_days": _("Amount × days overdue"),
            "days_late": _("Average days late when paying"),
            "late_share": _("Share of invoices paid late"),
            "broken": _("Broken promises and payment plans"),
            "credit_limit": _("Above credit limit by"),
            "trust": _("Trust level"),
        }

    def _format_priority_raw(self, key, raw):
        self.ensure_one()
        if key in ("amount", "credit_limit"):
            return formatLang(self.env, raw, currency_obj=self.currency_id)
        if key == "amount_days":
            amount = formatLang(self.env, raw, currency_obj=self.currency_id)
            return _("%(amount)s × days", amount=amount)
        if key == "late_share":
            return f"{raw:.0%}"
        if key == "trust":
            selection = self.env["res.partner"]._fields["trust"]
            return dict(selection._description_selection(self.env)).get(raw, raw)
        return f"{raw:g}"

    # one method per factor: ``inputs`` is the dict of _get_priority_inputs();
    # each returns (raw value, normalised value in 0..1)

    @api.model
    def _score_factor_amount(self, inputs):
        amount = inputs["amount_overdue"]
        return amount, scoring.normalise_amount(amount, inputs["portfolio_max_amount"])

    @api.model
    def _score_factor_oldest_age(self, inputs):
        days = inputs["oldest_days"]
        return days, scoring.normalise_linear(days, scoring.AGE_FULL_DAYS)

    @api.model
    def _score_factor_amount_days(self, inputs):
        amount_days = inputs["amount_days"]
        return amount_days, scoring.normalise_amount(
            amount_days, inputs["portfolio_max_amount_days"]
        )

    @api.model
    def _score_factor_days_late(self, inputs):
        days = inputs["average_days_late"]
        return days, scoring.normalise_linear(days, scoring.DAYS_LATE_FULL)

    @api.model
    def _score_factor_late_share(self, inputs):
        paid = inputs["paid_count"]
        share = round(inputs["paid_late_count"] / paid, 4) if paid else 0.0
        return share, share

    @api.model
    def _score_factor_broken(self, inputs):
        count = inputs["broken_count"]
        return count, scoring.normalise_linear(count, scoring.BROKEN_FULL)

    @api.model
    def _score_factor_credit_limit(self, inputs):
        limit = inputs["credit_limit"]
        excess = max(inputs["amount_due"] - limit, 0.0) if limit > 0 else 0.0
        return round(excess, 2), 1.0 if excess > 0 else 0.0

    @api.model
    def _score_factor_trust(self, inputs):
        trust = inputs["trust"] or "normal"
        return trust, scoring.normalise_trust(trust)

    @api.model
    def _score_priority(self, inputs, weights):
        """``(score, [FactorScore])`` of one case; ``weights`` maps factor keys to
        weights, zero weights already left out."""
        factors = []
        for key, weight in weights.items():
            raw, normalised = getattr(self, f"_score_factor_{key}")(inputs)
            factors.append(scoring.FactorScore(key, raw, normalised, weight))
        return scoring.combine(factors)

    @api.model
    def _get_priority_weights(self, company):
        return {
            key: company[field]
            for key, field in self._get_priority_factors()
            if company[field]
        }

    @api.model
    def _get_priority_inputs(self, company, cases, today):
        """Inputs of every case of ``company`` in ``cases``: a few grouped queries.

        :return: ``{case id: {input name: value}}``
        """
        since = today - relativedelta(months=company.collection_score_history_months)
        partner_ids = cases.partner_id.ids
        overdue = self._query_priority_overdue(company, today, partner_ids)
        history = self._query_priority_history(company, since, partner_ids)
        broken = self._query_priority_broken(company, since, cases)
        partners = (
            self.env["res.partner"].sudo().with_company(company).browse(partner_ids)
        )
        use_credit_limit = company.account_use_credit_limit
        # those two only: reading one would fetch every column of the partners
        partners.fetch(["credit_limit", "trust"])
        partner_values = {
            partner.id: (
                partner.credit_limit if use_credit_limit else 0.0,
                partner.trust,
            )
            for partner in partners
        }
        inputs = {}
        for case in cases:
            partner_id = case.partner_id.id
            due, amount, oldest_days, amount_days = overdue.get(
                partner_id, (0.0, 0.0, 0, 0.0)
            )
            paid_count, average_days_late, paid_late_count = history.get(
                partner_id, (0, 0.0, 0)
            )
            credit_limit, trust = partner_values[partner_id]
            inputs[case.id] = {
                "amount_due": due,
                "amount_overdue": max(amount, 0.0),
                "oldest_days": oldest_days,
                "amount_days": amount_days,
                "paid_count": paid_count,
                "average_days_late": average_days_late,
                "paid_late_count": paid_late_count,
                "broken_count": broken.get(case.id, 0),
                "credit_limit": credit_limit or 0.0,
                "trust": trust,
            }
        portfolio_max = max((i["amount_overdue"] for i in inputs.values()), default=0.0)
        portfolio_max_days = max(
            (i["amount_days"] for i in inputs.values()), default=0.0
        )
        for values in inputs.values():
            values["portfolio_max_amount"] = portfolio_max
            values["portfolio_max_amount_days"] = portfolio_max_days
        return inputs

    @api.model
    def _query_priority_overdue(self, company, today, partner_ids):
        """Per commercial partner: open amount, overdue amount, days overdue of the
        oldest overdue invoice, and amount-days of the overdue balance (sum of each
        overdue residual times its days overdue), all in company currency."""
        if not partner_ids:
            return {}
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model(["collection_excluded"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        query = SQL(
            """
            SELECT partner.commercial_partner_id,
                   SUM(aml.amount_residual),
                   SUM(aml.amount_residual) FILTER (WHERE aml.date_maturity < %(today)s),
                   MAX(%(today)s::date - aml.date_maturity) FILTER (WHERE %(late)s),
                   SUM(aml.amount_residual * (%(today)s::date - aml.date_maturity))
                       FILTER (WHERE %(late)s)
              FROM account_move_line aml
              JOIN account_move move ON move.id = aml.move_id
              JOIN account_account account ON account.id = aml.account_id
              JOIN res_partner partner ON partner.id = aml.partner_id
             WHERE %(where)s
               AND partner.commercial_partner_id = ANY(%(partner_ids)s)
          GROUP BY partner.commercial_partner_id
            """,
            today=today,
            late=SQL("aml.date_maturity < %s AND aml.amount_residual > 0", today),
            where=self._get_receivable_where(company),
            partner_ids=list(partner_ids),
        )
        self.env.cr.execute(query)
        result = {}
        for (
            partner_id,
            due,
            amount,
            oldest,
            amount_days,
        ) in self.env.cr.fetchall():
            result[partner_id] = (
                due or 0.0,
                amount or 0.0,
                oldest or 0,
                round(float(amount_days or 0.0), 2),
            )
        return result

    @api.model
    def _query_priority_history(self, company, since, partner_ids):
        """Per commercial partner, over the invoices paid since ``since``: count,
        average days late (0 when on time) and count paid late.

        An invoice is paid on the last date of its reconciliations (max_date of its
        partials), late when that is after its due date.
        """
        if not partner_ids:
            return {}
        self.env["account.move.line"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        query = SQL(
            """
            WITH paid AS (
                SELECT partner.commercial_partner_id AS partner_id,
                       MAX(part.max_date) - aml.date_maturity AS days_late
                  FROM account_move_line aml
                  JOIN account_move move ON move.id = aml.move_id
                  JOIN account_account account ON account.id = aml.account_id
                  JOIN res_partner partner ON partner.id = aml.partner_id
                  JOIN account_partial_reconcile part ON part.debit_move_id = aml.id
                 WHERE aml.company_id = %(company_id)s
                   AND aml.parent_state = 'posted'
                   AND account.account_type = 'asset_receivable'
                   AND aml.reconciled
                   AND aml.date_maturity IS NOT NULL
                   AND move.move_type = 'out_invoice'
                   AND partner.commercial_partner_id = ANY(%(partner_ids)s)
              GROUP BY aml.id, partner.commercial_partner_id
                HAVING MAX(part.max_date) >= %(since)s
            )
            SELECT partner_id,
                   COUNT(*),
                   AVG(GREATEST(days_late, 0)),
                   COUNT(*) FILTER (WHERE days_late > 0)
              FROM paid
          GROUP BY partner_id
            """,
            company_id=company.id,
            since=since,
            partner_ids=list(partner_ids),
        )
        self.env.cr.execute(query)
        return {
            partner_id: (count, round(float(average or 0.0), 2), late)
            for partner_id, count, average, late in self.env.cr.fetchall()
        }

    @api.model
    def _query_priority_broken(self, company, since, cases):
        """Per case: broken promises to pay and payment plans since ``since``."""
        counts = defaultdict(int)
        for model_name, date_field in (
            ("collection.promise", "date"),
            ("collection.payment.plan", "create_date"),
        ):
            domain = [
                ("state", "=", "broken"),
                ("company_id", "=", company.id),
                ("case_id", "in", cases.ids),
                (date_field, ">=", since),
            ]
            groups = (
                self.env[model_name]
                .sudo()
                ._read_group(domain, ["case_id"], ["__count"])
            )
            for case, count in groups:
                counts[case.id] += count
        return counts

    @api.model
    def _compute_priority_scores(self, companies=None):
        """Refresh the score, priority and breakdown of every open case of
        ``companies`` (default: the user's companies); closed and archived cases
        lose theirs. Hook of the daily run, to call after ``_sync_cases``.

        Set-based: per company one search of the open cases, a few grouped queries
        for the inputs, then one UPDATE per batch of ``_priority_batch_size`` cases.

        :return: number of cases scored
        """
        companies = companies or self.env.companies
        today = fields.Date.context_today(self)
        fnames = [
            "priority_score",
            "priority",
            "priority_breakdown",
            "priority_score_date",
        ]
        self.flush_model(fnames)
        scored = 0
        for company in companies:
            cases = self.sudo().search_fetch(
                [("company_id", "=", company.id), ("stage_id.kind", "!=", "closed")],
                ["partner_id"],
                order="id",
            )
            self._reset_priority_of_closed_cases(company, today)
            if not cases:
                continue
            inputs = self._get_priority_inputs(company, cases, today)
            weights = self._get_priority_weights(company)
            high = company.collection_priority_high_threshold
            medium = company.collection_priority_medium_threshold
            rows = []
            for case_id, case_inputs in inputs.items():
                score, factors = self._score_priority(case_inputs, weights)
                breakdown = {"factors": [factor.as_dict() for factor in factors]}
                level = scoring.priority_level(score, high, medium)
                rows.append((case_id, score, level, json.dumps(breakdown)))
            for batch in split_every(self._priority_batch_size, rows):
                self._write_priority_rows(batch, today)
            scored += len(rows)
            cases.invalidate_recordset(fnames)
        return scored

    _priority_batch_size = 1000

    @api.model
    def _reset_priority_of_closed_cases(self, company, today):
        """Closed and archived cases have nobody to call: no score (one UPDATE)."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE collection_case AS case_
                   SET priority_score = 0,
                       priority = NULL,
                       priority_breakdown = NULL,
                       priority_score_date = %(today)s
                  FROM collection_stage stage
                 WHERE stage.id = case_.stage_id
                   AND case_.company_id = %(company_id)s
                   AND (stage.kind = 'closed' OR NOT case_.active)
                   AND (case_.priority IS NOT NULL OR case_.priority_score != 0)
             RETURNING case_.id
                """,
                today=today,
                company_id=company.id,
            )
        )
        reset_ids = [row[0] for row in self.env.cr.fetchall()]
        if reset_ids:
            self.browse(reset_ids).invalidate_recordset(
                [
                    "priority_score",
                    "priority",
                    "priority_breakdown",
                    "priority_score_date",
                ]
            )

    @api.model
    def _write_priority_rows(self, rows, today):
        """One UPDATE for ``rows`` of (case id, score, priority, breakdown json)."""
        values = SQL(", ").join(
            SQL("(%s::int, %s::numeric, %s::varchar, %s::jsonb)", *row) for row in rows
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE collection_case AS case_
                   SET priority_score = v.score,
                       priority = v.priority,
                       priority_breakdown = v.breakdown,
                       priority_score_date = %(today)s
                  FROM (VALUES %(values)s) AS v(id, score, priority, breakdown)
                 WHERE case_.id = v.id
                """,
                today=today,
                values=values,
            )
        )

    # Payment plans and promises to pay (issue 6)
    # ------------------------------------------------------------------

    payment_plan_ids = fields.One2many(
        "collection.payment.plan", "case_id", string="Payment Plans"
    )
    payment_plan_count = fields.Integer(compute="_compute_payment_plan_count")
    promise_ids = fields.One2many("collection.promise", "case_id", string="Promises")
    promise_count = fields.Integer(compute="_compute_payment_plan_count")

    def _compute_payment_plan_count(self):
        plans = dict(
            self.env["collection.payment.plan"]._read_group(
                [("case_id", "in", self.ids)], ["case_id"], ["__count"]
            )
        )
        promises = dict(
            self.env["collection.promise"]._read_group(
                [("case_id", "in", self.ids)], ["case_id"], ["__count"]
            )
        )
        for case in self:
            case.payment_plan_count = plans.get(case, 0)
            case.promise_count = promises.get(case, 0)

    def action_propose_payment_plan(self):
        """Open a new payment plan on the case's open invoices not in another plan."""
        self.ensure_one()
        held = self.env["collection.payment.plan"].search(
            [("case_id", "=", self.id), ("state", "in", ("to_approve", "active"))]
        )
        invoices = self._collection_open_invoices() - held.invoice_ids
        return {
            "type": "ir.actions.act_window",
            "name": _("Propose Payment Plan"),
            "res_model": "collection.payment.plan",
            "view_mode": "form",
            "views": [(False, "form")],
            "context": {
                "default_case_id": self.id,
                "default_invoice_ids": [Command.set(invoices.ids)],
                "default_date_first_due": fields.Date.context_today(self)
                + timedelta(days=7),
            },
        }

    def action_open_payment_plans(self):
        return self._action_open_related(
            "collections_mgmt.collection_payment_plan_action"
        )

    def action_new_promise(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Promise to Pay"),
            "res_model": "collection.promise",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_case_id": self.id},
        }

    def action_open_promises(self):
        return self._action_open_related("collections_mgmt.collection_promise_action")

    def _create_promise(self, date, amount, note=None):
        """Record the customer's promise to pay ``amount`` by ``date`` (Log a call).

        Pending promises of the case are superseded (cancelled); the case moves
        to the Promise to pay stage.

        :return: the new ``collection.promise``
        """
        self.ensure_one()
        Promise = self.env["collection.promise"]
        Promise.search(
            [("case_id", "=", self.id), ("state", "=", "pending")]
        ).action_cancel()
        return Promise.create(
            {"case_id": self.id, "date": date, "amount": amount, "note": note}
        )

    def _collection_open_invoices(self):
        """The customer's open posted invoices in the case's company, not excluded."""
        self.ensure_one()
        return self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("collection_excluded", "=", False),
            ],
            order="invoice_date_due, id",
        )

    def _collection_set_stage(self, stage_xmlid):
        stage = self.env.ref(stage_xmlid)
        self.filtered(lambda case: case.stage_id != stage).write({"stage_id": stage.id})

    def _collection_return_to_ladder(
        self, from_stage="collections_mgmt.collection_stage_payment_plan"
    ):
        """Back to the first ladder stage, for cases still in ``from_stage``."""
        stage = self.env.ref(from_stage)
        cases = self.filtered(lambda case: case.stage_id == stage)
        for company, company_cases in cases.grouped("company_id").items():
            first = self.env["collection.stage"]._get_first_ladder_stage(company)
            company_cases.write({"stage_id": first.id})

    # ------------------------------------------------------------------
    # Hardening (issue 9): a case's stage belongs to its company
    # ------------------------------------------------------------------

    @api.constrains("stage_id", "company_id")
    def _check_stage_company(self):
        for case in self:
            stage_company = case.stage_id.sudo().company_id
            if stage_company and stage_company != case.company_id:
                raise ValidationError(
                    _(
                        "Stage %(stage)s belongs to company %(stage_company)s, the "
                        "case of %(customer)s to %(company)s.",
                        stage=case.stage_id.sudo().name,
                        stage_company=stage_company.name,
                        customer=case.partner_id.name,
                        company=case.company_id.name,
                    )
                )
