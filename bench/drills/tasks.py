"""The drills' work inside ``odoo-bin shell``: build the drill database, run the daily run.

``bench/drills/faults.py`` starts one ``odoo-bin shell`` per step with::

    from bench.drills import tasks
    tasks.main(env, ["build"])            # the cached drill database (once)
    tasks.main(env, ["run", "--batch-size", "100", "--barrier", ".run/bench/drills/go"])

Every step runs at the same frozen moment (``DRILL_NOW``): the daily run reads today's
date and the clock (contact window, seven-day caps), so a reference run and a drilled
run of two copies of the database decide the same things.
"""

import argparse
import json
import os
import time
from datetime import datetime, timedelta

from freezegun import freeze_time

from bench.generate import generate_portfolio

DRILL_NOW = datetime(2026, 6, 30, 10, 0, 0)  # UTC; a Tuesday, inside the contact window

# (prefix, customers, days over which the open invoices fall due, customers with an email)
# the oldest invoice of a customer decides its stage: the groups spread over the ladder
# (1 reminder, 15 second reminder, 30 final notice, 45 collector call, 60 escalated)
GROUPS = (
    ("Drill Reminder", 400, 12, 200),
    ("Drill Second", 400, 27, 200),
    ("Drill Final", 400, 42, 0),
    ("Drill Call", 400, 56, 0),
    ("Drill Escalated", 400, 180, 0),
)
OPEN_PER_CUSTOMER = 6
PAID_PER_CUSTOMER = 2
# payment plans, activated 40 days before DRILL_NOW: (count, first due date from DRILL_NOW)
PLANS = (
    (20, -30),  # first instalment missed beyond the grace days: broken by the run
    (20, -2),  # first instalment late, within the grace days: a "missed" reminder
    (20, 5),  # nothing due yet
)
PROMISES = 30


def _build(env):
    """Customers, invoices, cases, payment plans and promises at ``DRILL_NOW``."""
    company = env.company
    company.write(
        {
            "email": "collections@drill.example.com",
            # plans within the limits: activated without approval
            "collection_plan_approval_amount": 10**9,
            "collection_plan_approval_instalments": 24,
            "collection_plan_approval_days": 3650,
            "collection_plan_grace_days": 5,
            "collection_plan_reminder_days": 3,
        }
    )
    partners = env["res.partner"]
    with freeze_time(DRILL_NOW):
        for seed, (prefix, customers, open_days, with_email) in enumerate(GROUPS):
            result = generate_portfolio(
                env,
                customers=customers,
                open_per_customer=OPEN_PER_CUSTOMER,
                paid_per_customer=PAID_PER_CUSTOMER,
                seed=seed + 1,
                open_days=open_days,
                prefix=prefix,
            )
            group = result["partners"]
            for partner in group[:with_email]:
                partner.email = f"customer{partner.id}@drill.example.com"
            partners |= group
        Case = env["collection.case"]
        Case._sync_cases(companies=company)
    env.cr.commit()
    cases = Case.search([("partner_id", "in", partners.ids)], order="id")
    # plans on cases of every group; their invoices: those overdue at DRILL_NOW
    plan_cases = cases[::30][: sum(count for count, _days in PLANS)]
    with freeze_time(DRILL_NOW):
        plan_invoices = {
            case.id: case.overdue_invoice_ids[:2].ids for case in plan_cases
        }
    start = 0
    for count, first_due in PLANS:
        with freeze_time(DRILL_NOW - timedelta(days=40)):
            for case in plan_cases[start : start + count]:
                plan = env["collection.payment.plan"].create(
                    {
                        "case_id": case.id,
                        "invoice_ids": [(6, 0, plan_invoices[case.id])],
                        "instalment_count": 3,
                        "frequency": "monthly",
                        "date_first_due": (
                            DRILL_NOW + timedelta(days=first_due)
                        ).date(),
                    }
                )
                if not plan.line_ids:
                    plan.action_generate_schedule()
                plan.action_activate()
        start += count
    with freeze_time(DRILL_NOW):
        promise_cases = (cases - plan_cases)[15::60][:PROMISES]
        env["collection.promise"].create(
            [
                {
                    "case_id": case.id,
                    "date": (DRILL_NOW + timedelta(days=7)).date(),
                    "amount": round(case.amount_overdue / 2, 2),
                }
                for case in promise_cases
            ]
        )
    env.cr.commit()
    print(
        "DRILL "
        + json.dumps(
            {
                "customers": len(partners),
                "cases": len(cases),
                "plans": env["collection.payment.plan"].search_count([]),
                "promises": env["collection.promise"].search_count([]),
            }
        )
    )


def _wait_barrier(barrier, parties):
    """Wait (Odoo loaded) until ``parties`` processes are ready: they start together."""
    os.makedirs(barrier, exist_ok=True)
    open(os.path.join(barrier, f"ready-{os.getpid()}"), "w").close()
    while len(os.listdir(barrier)) < parties:
        time.sleep(0.01)


def _run(env, batch_size, barrier=None, parties=2, max_batches=None):
    """The daily run at ``DRILL_NOW``, committing between batches (the cron's way)."""
    if barrier:
        _wait_barrier(barrier, parties)
    print(f"DRILL started {time.time():.3f} pid {os.getpid()}", flush=True)
    with freeze_time(DRILL_NOW):
        stats = env["collection.daily.run"]._run(
            commit=True, batch_size=batch_size, max_batches=max_batches
        )
    env.cr.commit()
    print("DRILL " + json.dumps(stats), flush=True)


def main(env, argv):
    parser = argparse.ArgumentParser(prog="bench/drills/tasks.py")
    parser.add_argument("task", choices=["build", "run"])
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--max-batches", type=int)
    parser.add_argument("--barrier", help="a folder: start with the other processes")
    parser.add_argument("--parties", type=int, default=2)
    args = parser.parse_args(argv)
    if args.task == "build":
        _build(env)
    else:
        _run(env, args.batch_size, args.barrier, args.parties, args.max_batches)
