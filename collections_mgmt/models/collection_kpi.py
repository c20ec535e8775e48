"""The collections KPIs: one computation for goals, the dashboard and the summary."""

from collections import defaultdict
from datetime import timedelta

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# amounts read from the ledger, per company and collector; the ratios derive from them
AMOUNT_KEYS = (
    "receivable_begin",
    "receivable_end",
    "receivable_current",
    "receivable_overdue",
    "receivable_90_plus",
    "credit_sales",
    "collected",
)
SALE_TYPES = ("out_invoice", "out_refund", "out_receipt")
ONE_DAY = timedelta(days=1)


def _ratio(numerator, denominator, factor=1.0):
    return numerator / denominator * factor if denominator else None


def kpi_ratios(amounts, days):
    """DSO, best possible DSO, ADD, CEI and shares from the ledger amounts.

    Pure function (no ORM): ``amounts`` holds the keys of ``AMOUNT_KEYS``,
    ``days`` is the length of the period. A ratio without a denominator is None.
    """
    sales = amounts["credit_sales"]
    begin = amounts["receivable_begin"]
    end = amounts["receivable_end"]
    current = amounts["receivable_current"]
    sales = sales if sales > 0 else 0.0
    dso = _ratio(end, sales, days)
    best_dso = _ratio(current, sales, days)
    cei_denominator = begin + sales - current
    return {
        "dso": dso,
        "best_dso": best_dso,
        "add": dso - best_dso if dso is not None else None,
        "cei": _ratio(begin + sales - end, cei_denominator, 100.0)
        if cei_denominator > 0
        else None,
        "overdue_share": _ratio(amounts["receivable_overdue"], end, 100.0)
        if end > 0
        else None,
        "over_90_share": _ratio(amounts["receivable_90_plus"], end, 100.0)
        if end > 0
        else None,
    }


class CollectionKpi(models.AbstractModel):
    _name = "collection.kpi"
    _description = "Collections KPIs"

    @api.model
    def _compute_kpis(self, companies, date_from, date_to, user=None):
        """The KPIs of ``companies`` over the period ``date_from`` .. ``date_to``.

        :param user: restrict to the portfolio of this collector (the customers
            whose case they hold); ``False`` for the customers without collector
        :return: ``{company_id: kpis}``, kpis a dict of the ledger amounts
            (``AMOUNT_KEYS``), the ratios of ``kpi_ratios`` and ``promise_kept_rate``,
            ``plan_success_rate``, ``contacts`` (total), ``contacts_by_channel``,
            ``cases_processed``, ``skipped`` (count), ``skipped_by_reason``,
            ``days``; one key per company, whether or not it has data
        """
        by_collector = self._compute_kpis_by_collector(companies, date_from, date_to)
        result = {}
        for company in companies:
            keys = [
                key
                for key in by_collector
                if key[0] == company.id
                and (user is None or key[1] == (user.id or False))
            ]
            result[company.id] = self._merge_kpis(
                [by_collector[key] for key in keys], date_from, date_to
            )
        return result

    @api.model
    def _compute_kpis_by_collector(self, companies, date_from, date_to):
        """The same KPIs per ``(company_id, collector_id or False)``.

        A customer's collector is the collector of its case today.
        """
        if date_from > date_to:
            raise UserError(
                _(
                    "The period starts on %(start)s, after its end %(end)s.",
                    start=date_from,
                    end=date_to,
                )
            )
        days = (date_to - date_from).days + 1
        raw = defaultdict(self._empty_figures)
        for key, amounts in self._query_receivable_amounts(
            companies, date_from, date_to
        ).items():
            raw[key].update(amounts)
        self._add_promise_figures(raw, companies, date_from, date_to)
        self._add_plan_figures(raw, companies, date_from, date_to)
        self._add_communication_figures(raw, companies, date_from, date_to)
        return {key: self._finish_kpis(figures, days) for key, figures in raw.items()}

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    @api.model
    def _empty_figures(self):
        figures = dict.fromkeys(AMOUNT_KEYS, 0.0)
        figures.update(
            promises_due=0,
            promises_kept=0,
            plans_done=0,
            plans_broken=0,
            contacts_by_channel=defaultdict(int),
            skipped_by_reason=defaultdict(int),
            case_ids=set(),
        )
        return figures

    @api.model
    def _finish_kpis(self, figures, days):
        kpis = {key: figures[key] for key in AMOUNT_KEYS}
        kpis.update(kpi_ratios(figures, days))
        plans = figures["plans_done"] + figures["plans_broken"]
        promise_model = "collection.promise" in self.env
        plan_model = "collection.payment.plan" in self.env
        kpis.update(
            days=days,
            promises_due=figures["promises_due"],
            promises_kept=figures["promises_kept"],
            promise_kept_rate=_ratio(
                figures["promises_kept"], figures["promises_due"], 100.0
            )
            if promise_model
            else None,
            plans_done=figures["plans_done"],
            plans_broken=figures["plans_broken"],
            plan_success_rate=_ratio(figures["plans_done"], plans, 100.0)
            if plan_model
            else None,
            contacts_by_channel=dict(figures["contacts_by_channel"]),
            contacts=sum(figures["contacts_by_channel"].values()),
            cases_processed=len(figures["case_ids"]),
            skipped_by_reason=dict(figures["skipped_by_reason"]),
            skipped=sum(figures["skipped_by_reason"].values()),
        )
        kpis["_case_ids"] = figures["case_ids"]
        return kpis

    @api.model
    def _merge_kpis(self, kpi_list, date_from, date_to):
        """Company (or team) KPIs from collector KPIs: sum the counts, redo the ratios."""
        figures = self._empty_figures()
        for kpis in kpi_list:
            for key in AMOUNT_KEYS:
                figures[key] += kpis[key]
            for key in ("promises_due", "promises_kept", "plans_done", "plans_broken"):
                figures[key] += kpis[key]
            for channel, count in kpis["contacts_by_channel"].items():
                figures["contacts_by_channel"][channel] += count
            for reason, count in kpis["skipped_by_reason"].items():
                figures["skipped_by_reason"][reason] += count
            figures["case_ids"] |= kpis["_case_ids"]
        return self._finish_kpis(figures, (date_to - date_from).days + 1)

    @api.model
    def _query_receivable_amounts(self, companies, date_from, date_to):
        """Receivables at the start and end of the period, sales and collections.

        Historical: a receivable line counts as of a date D when its accounting
        date is on or before D, less the reconciliations whose ``max_date`` is on
        or before D. Amounts in company currency; one query for all companies.
        """
        for model in ("account.move.line", "account.partial.reconcile", "account.move"):
            self.env[model].flush_model()
        self.env["collection.case"].flush_model(["partner_id", "company_id", "user_id"])
        company_ids = tuple(companies.ids)
        query = SQL(
            """
            WITH lines AS (
                SELECT aml.id,
                       aml.company_id,
                       aml.balance,
                       aml.date,
                       COALESCE(aml.date_maturity, aml.date) AS date_due,
                       move.move_type,
                       (move.origin_payment_id IS NOT NULL
                        OR move.statement_line_id IS NOT NULL) AS is_payment,
                       case_.user_id
                  FROM account_move_line aml
                  JOIN account_move move ON move.id = aml.move_id
                  JOIN account_account account ON account.id = aml.account_id
             LEFT JOIN res_partner partner ON partner.id = aml.partner_id
             LEFT JOIN collection_case case_
                    ON case_.partner_id = partner.commercial_partner_id
                   AND case_.company_id = aml.company_id
                 WHERE aml.company_id IN %(company_ids)s
                   AND aml.parent_state = 'posted'
                   AND account.account_type = 'asset_receivable'
                   AND aml.date <= %(date_to)s
            ),
            reconciled AS (
                SELECT part.line_id,
                       SUM(part.amount) FILTER (WHERE part.max_date < %(date_from)s)
                           AS before_period,
                       SUM(part.amount) AS until_end
                  FROM (
                        SELECT debit_move_id AS line_id, amount, max_date
                          FROM account_partial_reconcile
                         WHERE company_id IN %(company_ids)s
                           AND max_date <= %(date_to)s
                     UNION ALL
                        SELECT credit_move_id, -amount, max_date
                          FROM account_partial_reconcile
                         WHERE company_id IN %(company_ids)s
                           AND max_date <= %(date_to)s
                       ) part
                  JOIN lines ON lines.id = part.line_id
              GROUP BY part.line_id
            ),
            opened AS (
                SELECT lines.*,
                       lines.balance - COALESCE(rec.before_period, 0) AS open_begin,
                       lines.balance - COALESCE(rec.until_end, 0) AS open_end
                  FROM lines
             LEFT JOIN reconciled rec ON rec.line_id = lines.id
            )
            SELECT company_id,
                   user_id,
                   COALESCE(SUM(open_begin) FILTER (WHERE date < %(date_from)s), 0),
                   COALESCE(SUM(open_end), 0),
                   COALESCE(SUM(open_end) FILTER (WHERE date_due >= %(date_to)s), 0),
                   COALESCE(SUM(open_end) FILTER (WHERE date_due < %(date_to)s), 0),
                   COALESCE(SUM(open_end) FILTER (
                       WHERE date_due < %(date_to)s::date - 90
                   ), 0),
                   COALESCE(SUM(balance) FILTER (
                       WHERE date >= %(date_from)s AND move_type IN %(sale_types)s
                   ), 0),
                   COALESCE(-SUM(balance) FILTER (
                       WHERE date >= %(date_from)s AND is_payment
                   ), 0)
              FROM opened
          GROUP BY company_id, user_id
            """,
            company_ids=company_ids,
            date_from=date_from,
            date_to=date_to,
            sale_types=SALE_TYPES,
        )
        self.env.cr.execute(query)
        return {
            (company_id, user_id or False): dict(zip(AMOUNT_KEYS, amounts, strict=True))
            for company_id, user_id, *amounts in self.env.cr.fetchall()
        }

    @api.model
    def _add_promise_figures(self, raw, companies, date_from, date_to):
        """Promises due in the period (kept or broken) and the kept ones."""
        if "collection.promise" not in self.env:
            return
        groups = (
            self.env["collection.promise"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "in", companies.ids),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                    ("state", "in", ("kept", "broken")),
                ],
                ["company_id", "case_id", "state"],
                ["__count"],
            )
        )
        for company, case, state, count in groups:
            figures = raw[(company.id, case.user_id.id or False)]
            figures["promises_due"] += count
            if state == "kept":
                figures["promises_kept"] += count

    @api.model
    def _get_plan_period_domain(self, date_from, date_to):
        """Payment plans that ended (done or broken) in the period."""
        return [
            ("state", "in", ("done", "broken")),
            ("write_date", ">=", date_from),
            ("write_date", "<", date_to + ONE_DAY),
        ]

    @api.model
    def _add_plan_figures(self, raw, companies, date_from, date_to):
        if "collection.payment.plan" not in self.env:
            return
        groups = (
            self.env["collection.payment.plan"]
            .sudo()
            ._read_group(
                [("company_id", "in", companies.ids)]
                + self._get_plan_period_domain(date_from, date_to),
                ["company_id", "case_id", "state"],
                ["__count"],
            )
        )
        for company, case, state, count in groups:
            figures = raw[(company.id, case.user_id.id or False)]
            figures["plans_done" if state == "done" else "plans_broken"] += count

    @api.model
    def _add_communication_figures(self, raw, companies, date_from, date_to):
        """Contacts made by channel, cases processed and skips by reason."""
        groups = (
            self.env["collection.communication"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "in", companies.ids),
                    ("date", ">=", date_from),
                    ("date", "<", date_to + ONE_DAY),
                ],
                ["company_id", "case_id", "channel", "state", "reason"],
                ["__count"],
            )
        )
        for company, case, channel, state, reason, count in groups:
            figures = raw[(company.id, case.user_id.id or False)]
            if state == "skipped":
                figures["skipped_by_reason"][reason or ""] += count
                continue
            figures["case_ids"].add(case.id)
            if state in ("sent", "printed", "done"):
                figures["contacts_by_channel"][channel] += count
