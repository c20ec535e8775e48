from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL


class CollectionCase(models.Model):
    _name = "collection.case"
    _description = "Collection Case"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "amount_overdue desc, id"
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
    currency_id = fields.Many2one(related="company_id.currency_id")
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
    invoice_ids = fields.One2many("account.move", "collection_case_id", readonly=True)
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
    promise_date = fields.Date(
        tracking=True, help="Date the customer promised to pay by."
    )
    promise_amount = fields.Monetary(tracking=True)

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

    @api.depends("invoice_ids.amount_residual", "invoice_ids.collection_excluded")
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

    @api.model
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

    def action_open_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collections_mgmt.collection_communication_action"
        )
        action["domain"] = [("case_id", "=", self.id)]
        action["context"] = {"default_case_id": self.id}
        return action

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

    @api.model
    def action_run_now(self):
        """Run the daily collections run now for the user's companies (managers)."""
        if not self.env.user.has_group("collections_mgmt.group_collections_manager"):
            raise AccessError(_("Only collections managers can run the daily run."))
        stats = self.env["collection.daily.run"]._run(companies=self.env.companies)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Collections run done"),
                "message": _(
                    "%(cases)s cases processed, %(moved)s moved to a new stage, "
                    "%(queued)s actions queued, %(deferred)s waiting, %(skipped)s skipped, "
                    "%(failed)s failed.",
                    cases=stats.get("cases", 0),
                    moved=stats.get("moved", 0),
                    queued=stats.get("queued", 0) + stats.get("done", 0),
                    deferred=stats.get("deferred", 0),
                    skipped=stats.get("skipped", 0),
                    failed=stats.get("failed", 0),
                ),
                "type": "success",
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

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

    @api.model
    def _link_overdue_invoices(self, company, today, partners=None):
        """Point every overdue open invoice of the company at its case (one UPDATE)."""
        self.flush_model(["partner_id", "company_id"])
        query = SQL(
            """
            UPDATE account_move
               SET collection_case_id = sub.case_id
              FROM (
                    SELECT DISTINCT aml.move_id, case_.id AS case_id
                      FROM account_move_line aml
                      JOIN account_move move ON move.id = aml.move_id
                      JOIN account_account account ON account.id = aml.account_id
                      JOIN res_partner partner ON partner.id = aml.partner_id
                      JOIN collection_case case_
                        ON case_.partner_id = partner.commercial_partner_id
                       AND case_.company_id = aml.company_id
                     WHERE %(where)s
                       AND aml.date_maturity < %(today)s
                       AND move.collection_case_id IS DISTINCT FROM case_.id
                   ) sub
             WHERE account_move.id = sub.move_id
         RETURNING account_move.id
            """,
            today=today,
            where=self._get_receivable_where(company, partners),
        )
        self.env.cr.execute(query)
        moved_ids = [row[0] for row in self.env.cr.fetchall()]
        if moved_ids:
            self.env["account.move"].browse(moved_ids).invalidate_recordset(
                ["collection_case_id"]
            )
            self.invalidate_model(["invoice_ids"])

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
                for vals in to_create:
                    vals["user_id"] = collectors.get(vals["partner_id"], False)
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
        default = company.collection_user_id.id
        return {p.id: p.collection_user_id.id or default for p in partners}

    @api.model
    def _cron_sync_cases(self):
        self._sync_cases(companies=self.env["res.company"].search([]))

    def _mail_get_partner_fields(self, introspect_fields=False):
        return ["partner_id"]
