"""Fast, valid receivables for benchmarks: N customers with open and paid invoices.

Runs inside ``odoo-bin shell`` (``bench/run generate.py ...``) or is imported by tests
(``from bench.generate import generate_portfolio``). Everything goes through the ORM in
batches: invoices are created with one ``account.move.create(vals_list)`` and posted
with one ``action_post()`` per chunk; paid invoices are settled by one journal entry
per payment date and chunk (a bank line plus one receivable line per invoice),
reconciled with one ``_reconcile_plan`` per chunk. The result is ordinary accounting:
posted, balanced moves, open receivables that Odoo's aged balance shows, paid ones
fully reconciled with their payment dates.
"""

import argparse
import logging
import random
import time
from datetime import timedelta

from odoo import Command, fields

_logger = logging.getLogger(__name__)

SIZES = {
    # customers, open invoices per customer, paid invoices per customer
    "XS": (100, 10, 5),
    "S": (2000, 10, 5),
    "M": (5000, 10, 5),
    "L": (20000, 10, 5),
}


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _invoice_vals(partner_id, journal_id, amount, due, days_before_due):
    return {
        "move_type": "out_invoice",
        "partner_id": partner_id,
        "journal_id": journal_id,
        "invoice_date": due - timedelta(days=days_before_due),
        "invoice_date_due": due,
        "invoice_line_ids": [
            Command.create(
                {
                    "name": "Service",
                    "quantity": 1,
                    "price_unit": amount,
                    "tax_ids": [Command.clear()],
                }
            )
        ],
    }


def generate_portfolio(
    env,
    customers=100,
    open_per_customer=10,
    paid_per_customer=5,
    company=None,
    seed=42,
    open_days=180,
    history_days=365,
    chunk=500,
    prefix="Bench",
):
    """Create ``customers`` companies with open and paid invoices in ``company``.

    :param open_per_customer: open invoices per customer, due dates spread over the
        last ``open_days`` days (a few not due yet)
    :param paid_per_customer: paid invoices per customer, due over the last
        ``history_days`` days, paid between 10 days early and 60 days late
    :param chunk: invoices per create/post batch
    :return: dict with the partners, the open and paid invoices and timings
    """
    company = company or env.company
    env = env(
        context=dict(
            env.context,
            tracking_disable=True,
            mail_create_nolog=True,
            mail_notrack=True,
            mail_create_nosubscribe=True,
            allowed_company_ids=[company.id],
        )
    )
    rng = random.Random(seed)
    today = fields.Date.context_today(env["res.partner"])
    Move = env["account.move"].with_company(company)
    sale_journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
    )
    bank_journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
    )
    timings = {}

    started = time.monotonic()
    partners = env["res.partner"].browse()
    for names in _chunks(range(customers), 1000):
        partners |= env["res.partner"].create(
            [{"name": f"{prefix} Customer {i:06d}", "is_company": True} for i in names]
        )
    timings["partners"] = time.monotonic() - started

    def amount():
        return round(rng.lognormvariate(6.5, 1.0), 2)

    open_vals = [
        _invoice_vals(
            partner.id,
            sale_journal.id,
            amount(),
            today - timedelta(days=rng.randint(-15, open_days)),
            30,
        )
        for partner in partners
        for _n in range(open_per_customer)
    ]
    started = time.monotonic()
    open_moves = Move.browse()
    for vals_list in _chunks(open_vals, chunk):
        moves = Move.create(vals_list)
        moves.action_post()
        open_moves |= moves
        env.invalidate_all()
    timings["open_invoices"] = time.monotonic() - started

    paid_specs = []
    for partner in partners:
        for _n in range(paid_per_customer):
            due = today - timedelta(days=rng.randint(75, history_days))
            paid_on = min(due + timedelta(days=rng.randint(-10, 60)), today)
            paid_specs.append((partner.id, amount(), due, paid_on))
    started = time.monotonic()
    paid_moves = Move.browse()
    receivable_type = "asset_receivable"
    for specs in _chunks(paid_specs, chunk):
        invoices = Move.create(
            [
                _invoice_vals(partner_id, sale_journal.id, value, due, 30)
                for partner_id, value, due, _paid_on in specs
            ]
        )
        invoices.action_post()
        invoice_lines = invoices.line_ids.filtered(
            lambda line: line.account_id.account_type == receivable_type
        )
        line_by_move = {line.move_id.id: line for line in invoice_lines}
        by_date = {}
        for invoice, (_partner_id, _value, _due, paid_on) in zip(
            invoices, specs, strict=True
        ):
            by_date.setdefault(paid_on, []).append(line_by_move[invoice.id])
        payment_vals = []
        for paid_on, lines in by_date.items():
            payment_vals.append(
                {
                    "move_type": "entry",
                    "journal_id": bank_journal.id,
                    "date": paid_on,
                    "ref": f"{prefix} customer payments {paid_on}",
                    "line_ids": [
                        Command.create(
                            {
                                "name": f"Payment {line.move_id.name}",
                                "account_id": line.account_id.id,
                                "partner_id": line.partner_id.id,
                                "credit": line.balance,
                            }
                        )
                        for line in lines
                    ]
                    + [
                        Command.create(
                            {
                                "name": "Customer payments",
                                "account_id": bank_journal.default_account_id.id,
                                "debit": sum(line.balance for line in lines),
                            }
                        )
                    ],
                }
            )
        payments = Move.create(payment_vals)
        payments.action_post()
        payment_lines = payments.line_ids.filtered(
            lambda line: line.account_id.account_type == receivable_type
        )
        credit_by_name = {line.name: line for line in payment_lines}
        plan = [
            line | credit_by_name[f"Payment {line.move_id.name}"]
            for line in invoice_lines
        ]
        env["account.move.line"]._reconcile_plan(plan)
        paid_moves |= invoices
        env.invalidate_all()
    timings["paid_invoices"] = time.monotonic() - started
    return {
        "partners": partners,
        "open_invoices": open_moves,
        "paid_invoices": paid_moves,
        "timings": timings,
    }


def main(env, argv):
    parser = argparse.ArgumentParser(prog="bench/run generate.py")
    parser.add_argument("--size", choices=sorted(SIZES), help="preset size")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--open", type=int, help="open invoices per customer")
    parser.add_argument("--paid", type=int, help="paid invoices per customer")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--chunk", type=int, default=500)
    args = parser.parse_args(argv)
    customers, open_count, paid_count = SIZES[args.size or "XS"]
    customers = args.customers or customers
    open_count = args.open if args.open is not None else open_count
    paid_count = args.paid if args.paid is not None else paid_count
    started = time.monotonic()
    result = generate_portfolio(
        env,
        customers=customers,
        open_per_customer=open_count,
        paid_per_customer=paid_count,
        seed=args.seed,
        chunk=args.chunk,
    )
    env.cr.commit()
    elapsed = time.monotonic() - started
    invoices = len(result["open_invoices"]) + len(result["paid_invoices"])
    print(
        f"generated {customers} customers, {len(result['open_invoices'])} open and "
        f"{len(result['paid_invoices'])} paid invoices in {elapsed:.1f}s "
        f"({invoices / elapsed:.0f} invoices/s); "
        + ", ".join(f"{k} {v:.1f}s" for k, v in result["timings"].items())
    )
    return result
