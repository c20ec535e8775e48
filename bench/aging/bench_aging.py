"""Query time of the aging report and the KPIs on N open invoices (odoo-bin shell script).

Run with ``bench/aging/run.sh`` (a throw-away copy of the test template database).
Creates ``BENCH_INVOICES`` (default 20000) posted invoices over 2,000 customers,
due dates spread over the last 210 days and the next 30, then times the report's
queries the way the web client runs them. Everything is rolled back at the end.
"""

import os
import time
from datetime import timedelta

from odoo import Command, fields

N = int(os.environ.get("BENCH_INVOICES", "20000"))
CUSTOMERS = 2000
CHUNK = 1000
RUNS = 5


def timed(env, label, func):
    func()  # warm the caches
    best = None
    for _i in range(RUNS):
        env.invalidate_all()
        start = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    print(f"{label:<55} {best * 1000:8.1f} ms (best of {RUNS})", flush=True)
    return result


def main(env):
    company = env.company
    if not env["account.journal"].search([("type", "=", "sale")], limit=1):
        env["account.chart.template"].try_loading(
            "generic_coa", company, install_demo=False
        )
    today = fields.Date.context_today(env.user)
    partners = env["res.partner"].create(
        [
            {"name": f"Bench Customer {i:04d}", "is_company": True}
            for i in range(CUSTOMERS)
        ]
    )
    invoice_date = today - timedelta(days=240)
    start = time.perf_counter()
    for offset in range(0, N, CHUNK):
        vals_list = [
            {
                "move_type": "out_invoice",
                "partner_id": partners[i % CUSTOMERS].id,
                # one invoice date (one sequence period: fast numbering),
                # due dates from 210 days ago to 30 days ahead
                "invoice_date": invoice_date,
                "invoice_date_due": today - timedelta(days=(i % 240) - 30),
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Service", "price_unit": 100.0 + i % 50, "tax_ids": []}
                    )
                ],
            }
            for i in range(offset, min(offset + CHUNK, N))
        ]
        # no chatter message per invoice: the bench measures the report, not mail
        env["account.move"].with_context(tracking_disable=True).create(
            vals_list
        ).action_post()
        print(f"  {offset + len(vals_list)} posted", flush=True)
    print(f"created and posted {N} invoices in {time.perf_counter() - start:.0f} s")
    env["collection.case"]._sync_cases(companies=company)
    env.flush_all()
    env.cr.execute("ANALYZE account_move_line")
    env.cr.execute("ANALYZE account_move")

    Aging = env["collection.report.aging"]
    total = timed(env, "search_count (all open lines)", lambda: Aging.search_count([]))
    print(f"  open receivable lines: {total}")
    timed(
        env,
        "graph/pivot totals by bucket",
        lambda: Aging._read_group([], ["bucket"], ["amount_residual:sum"]),
    )
    timed(
        env,
        "pivot by customer x bucket",
        lambda: Aging._read_group(
            [], ["partner_id", "bucket"], ["amount_residual:sum"]
        ),
    )
    timed(
        env,
        "pivot by collector, stage",
        lambda: Aging._read_group(
            [], ["user_id", "stage_id"], ["amount_residual:sum", "amount_90_plus:sum"]
        ),
    )
    spec = {
        "partner_id": {"fields": {"display_name": {}}},
        "move_id": {"fields": {"display_name": {}}},
        "date_due": {},
        "days_overdue": {},
        "amount_not_due": {},
        "amount_1_30": {},
        "amount_31_60": {},
        "amount_61_90": {},
        "amount_90_plus": {},
        "amount_residual": {},
    }
    timed(
        env,
        "list: first page of 80 with count",
        lambda: Aging.web_search_read([], spec, limit=80),
    )
    timed(
        env,
        "list: grouped by customer (web_read_group)",
        lambda: Aging.web_read_group(
            [], ["amount_residual:sum"], ["partner_id"], limit=80
        ),
    )
    date_from = today.replace(day=1)
    timed(
        env,
        "KPIs of the month (_compute_kpis)",
        lambda: env["collection.kpi"]._compute_kpis(company, date_from, today),
    )
    timed(
        env,
        "KPIs of the month by collector",
        lambda: env["collection.kpi"]._compute_kpis_by_collector(
            company, date_from, today
        ),
    )
    env.cr.rollback()
    print("rolled back: no bench data kept")


main(env)  # noqa: F821 (odoo shell global)
