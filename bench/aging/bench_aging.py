"""Query time of the aging report and the KPIs on N open invoices (odoo-bin shell script).

Run with ``bench/aging/run.sh`` (a throw-away copy of the test template database).
Creates ``BENCH_ORM_INVOICES`` (default 4000) posted invoices over 2,000 customers
through the ORM (batched ``create`` + ``action_post``), due dates spread over the last
210 days and the next 30, times the report's queries, then copies these invoices in SQL
(moves and journal items, due dates shifted) up to ``BENCH_INVOICES`` (default 20000)
and times them again: on a shared 2-core machine the ORM posts 15-25 invoices a
second, too slow for 20,000. Everything is rolled back at the end.
"""

import os
import time
from datetime import timedelta

from odoo import Command, fields

N = int(os.environ.get("BENCH_INVOICES", "20000"))
N_ORM = int(os.environ.get("BENCH_ORM_INVOICES", "4000"))
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
    for offset in range(0, N_ORM, CHUNK):
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
            for i in range(offset, min(offset + CHUNK, N_ORM))
        ]
        # no chatter message per invoice: the bench measures the report, not mail
        env["account.move"].with_context(tracking_disable=True).create(
            vals_list
        ).action_post()
        print(f"  {offset + len(vals_list)} posted", flush=True)
    print(f"created and posted {N_ORM} invoices in {time.perf_counter() - start:.0f} s")
    env["collection.case"]._sync_cases(companies=company)
    env.flush_all()
    env.cr.execute("ANALYZE account_move_line")
    env.cr.execute("ANALYZE account_move")

    measure(env, today)
    copies = max(N // N_ORM - 1, 0)
    start = time.perf_counter()
    copy_invoices(env, copies)
    print(
        f"copied them {copies} times in SQL in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    measure(env, today)
    env.cr.rollback()
    print("rolled back: no bench data kept")


def measure(env, today):
    company = env.company
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


def copy_invoices(env, copies):
    """Copy the posted customer invoices ``copies`` times, due dates shifted."""
    cr = env.cr

    def columns(table):
        cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name != 'id'",
            (table,),
        )
        return [row[0] for row in cr.fetchall()]

    move_columns = columns("account_move")
    line_columns = columns("account_move_line")
    for k in range(1, copies + 1):
        cr.execute(
            "CREATE TEMP TABLE bench_map AS "
            "SELECT id AS old_id, nextval('account_move_id_seq') AS new_id "
            "FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted' "
            "AND name NOT LIKE '%/copy%'"
        )
        move_select = ", ".join(
            f"m.name || '/copy{k}'" if col == "name" else f"m.{col}"
            for col in move_columns
        )
        cr.execute(
            f"INSERT INTO account_move (id, {', '.join(move_columns)}) "
            f"SELECT bench_map.new_id, {move_select} FROM account_move m "
            "JOIN bench_map ON bench_map.old_id = m.id"
        )
        line_select = ", ".join(
            "bench_map.new_id"
            if col == "move_id"
            else f"l.date_maturity + {k * 3}"
            if col == "date_maturity"
            else f"l.{col}"
            for col in line_columns
        )
        cr.execute(
            f"INSERT INTO account_move_line ({', '.join(line_columns)}) "
            f"SELECT {line_select} FROM account_move_line l "
            "JOIN bench_map ON bench_map.old_id = l.move_id"
        )
        cr.execute("DROP TABLE bench_map")
    cr.execute("ANALYZE account_move_line")
    cr.execute("ANALYZE account_move")
    env.invalidate_all()


main(env)  # noqa: F821 (odoo shell global)
