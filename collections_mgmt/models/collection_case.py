from collections import defaultdict
from datetime import timedelta

from odoo import Command, _, api, fields, models
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
                    balances.get(partner_id, (0.0, 0.0, None))[1], 0.0
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

    # ------------------------------------------------------------------
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
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collections_mgmt.collection_payment_plan_action"
        )
        action["domain"] = [("case_id", "=", self.id)]
        action["context"] = {"default_case_id": self.id}
        return action

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
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "collections_mgmt.collection_promise_action"
        )
        action["domain"] = [("case_id", "=", self.id)]
        action["context"] = {"default_case_id": self.id}
        return action

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
