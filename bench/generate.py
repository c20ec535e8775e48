"""Fast, valid receivables for benchmarks: N customers with open and paid invoices.

Runs inside ``odoo-bin shell`` (``bench/run generate.py --size S``) or is imported by
tests (``from bench.generate import generate_portfolio``).

Creating invoices through the ORM runs at ~10-20 per second, too slow for 200,000
invoices. So the ORM makes two *template* documents per run (the first open invoice,
and the first paid invoice with its payment entry and reconciliation), and SQL copies
their rows (``INSERT ... SELECT`` from the template rows, one statement per table and
chunk) for every other invoice, changing only what differs: ids, names and sequence
numbers, partner, dates and amounts. Every column Odoo computed for the template
(accounts, journal, currency, display types, states, flags) is copied as is, so the
copies are what the ORM would have written: posted, balanced invoices whose
receivable lines are open (``amount_residual``), and paid invoices fully reconciled
(``account.partial.reconcile`` + ``account.full.reconcile``, ``matching_number``) with
a payment entry dated on the payment date. Invoices have one untaxed line.
"""

import argparse
import random
import time
from datetime import timedelta

from odoo import Command, fields
from odoo.tools import SQL

SIZES = {
    # customers, open invoices per customer, paid invoices per customer
    "XS": (100, 10, 5),
    "S": (2000, 10, 5),
    "M": (5000, 10, 5),
    "L": (20000, 10, 5),
}
# numeric columns that do not scale with the invoice amount
UNSCALED = {"quantity", "discount", "invoice_currency_rate", "sequence_number"}
SALE_CODE = "BNCH"
BANK_CODE = "BNKB"


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _invoice_vals(partner_id, journal_id, amount, invoice_date, due):
    return {
        "move_type": "out_invoice",
        "partner_id": partner_id,
        "journal_id": journal_id,
        "invoice_date": invoice_date,
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


def _journal(env, company, code, journal_type, name):
    """The bench's own journal of ``journal_type`` (its names cannot clash)."""
    Journal = env["account.journal"].with_company(company)
    journal = Journal.search([("company_id", "=", company.id), ("code", "=", code)])
    if journal:
        return journal
    model = Journal.search(
        [("company_id", "=", company.id), ("type", "=", journal_type)], limit=1
    )
    return Journal.create(
        {
            "name": name,
            "code": code,
            "type": journal_type,
            "company_id": company.id,
            "default_account_id": model.default_account_id.id,
        }
    )


def _pay_orm(env, invoice, bank_journal, paid_on):
    """Pay ``invoice`` by a journal entry on ``paid_on`` (the template payment)."""
    receivable = invoice.line_ids.filtered(
        lambda line: line.account_id.account_type == "asset_receivable"
    )
    env.flush_all()
    seq = _next_sequence(env.cr, bank_journal)
    payment = (
        env["account.move"]
        .with_company(invoice.company_id)
        .create(
            {
                "move_type": "entry",
                "journal_id": bank_journal.id,
                "name": f"{BANK_CODE}/{paid_on.year}/{seq:06d}",
                "date": paid_on,
                "ref": "Customer payment",
                "line_ids": [
                    Command.create(
                        {
                            "name": "Customer payment",
                            "account_id": receivable.account_id.id,
                            "partner_id": receivable.partner_id.id,
                            "credit": receivable.balance,
                        }
                    ),
                    Command.create(
                        {
                            "name": "Customer payment",
                            "account_id": bank_journal.default_account_id.id,
                            "debit": receivable.balance,
                        }
                    ),
                ],
            }
        )
    )
    payment.action_post()
    credit = payment.line_ids.filtered(
        lambda line: line.account_id == receivable.account_id
    )
    (receivable | credit).reconcile()
    return payment


class _Cloner:
    """Copies template rows of one table with SQL, per row of the spec table."""

    def __init__(self, cr, table):
        self.cr = cr
        self.table = table
        cr.execute(
            SQL(
                """
                SELECT column_name, data_type
                  FROM information_schema.columns
                 WHERE table_name = %s AND table_schema = current_schema()
              ORDER BY ordinal_position
                """,
                table,
            )
        )
        self.columns = cr.fetchall()

    def clone(self, template_id, template, overrides, spec_where=None):
        """INSERT one copy of row ``template_id`` per spec row.

        :param template: dict of the template's dates and amount, to map them
        :param overrides: {column: SQL expression over ``t`` (template) and ``s`` (spec)}
        """
        names, values = [], []
        for column, data_type in self.columns:
            names.append(SQL.identifier(column))
            if column in overrides:
                values.append(overrides[column])
            elif column in ("create_date", "write_date"):
                values.append(SQL("(now() AT TIME ZONE 'UTC')"))
            elif data_type == "date":
                values.append(
                    SQL(
                        """CASE t.%(col)s WHEN %(inv)s THEN s.invoice_date
                                          WHEN %(due)s THEN s.due
                                          WHEN %(paid)s THEN s.paid_on
                                          ELSE t.%(col)s END""",
                        col=SQL.identifier(column),
                        inv=template["invoice_date"],
                        due=template["due"],
                        paid=template["paid_on"],
                    )
                )
            elif data_type == "numeric" and column not in UNSCALED:
                values.append(
                    SQL(
                        "ROUND(t.%s * s.amount / %s, 2)",
                        SQL.identifier(column),
                        template["amount"],
                    )
                )
            else:
                values.append(SQL("t.%s", SQL.identifier(column)))
        self.cr.execute(
            SQL(
                "INSERT INTO %(table)s (%(names)s) SELECT %(values)s "
                "FROM %(table)s t, bench_spec s WHERE t.id = %(id)s AND %(where)s",
                table=SQL.identifier(self.table),
                names=SQL(", ").join(names),
                values=SQL(", ").join(values),
                id=template_id,
                where=spec_where or SQL("TRUE"),
            )
        )


def _next_sequence(cr, journal):
    cr.execute(
        SQL(
            "SELECT COALESCE(MAX(sequence_number), 0) FROM account_move WHERE journal_id = %s",
            journal.id,
        )
    )
    return cr.fetchone()[0] + 1


def _copy_followers(cr, invoice):
    """Each copy followed as its template is: posting subscribes the customer."""
    customer = SQL(
        "CASE WHEN f.partner_id = %s THEN s.partner_id ELSE f.partner_id END",
        invoice.partner_id.id,
    )
    cr.execute(
        SQL(
            """
            INSERT INTO mail_followers (res_model, res_id, partner_id)
            SELECT 'account.move', s.move_id, %(customer)s
              FROM bench_spec s, mail_followers f
             WHERE f.res_model = 'account.move' AND f.res_id = %(template)s
            """,
            customer=customer,
            template=invoice.id,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO mail_followers_mail_message_subtype_rel
                   (mail_followers_id, mail_message_subtype_id)
            SELECT copy.id, rel.mail_message_subtype_id
              FROM bench_spec s
              JOIN mail_followers f
                ON f.res_model = 'account.move' AND f.res_id = %(template)s
              JOIN mail_followers copy
                ON copy.res_model = 'account.move' AND copy.res_id = s.move_id
               AND copy.partner_id = %(customer)s
              JOIN mail_followers_mail_message_subtype_rel rel
                ON rel.mail_followers_id = f.id
            """,
            customer=customer,
            template=invoice.id,
        )
    )


def _copy_documents(env, specs, templates, sale_journal, bank_journal, paid):
    """Copy the template invoice (and payment, when ``paid``) for every spec row."""
    cr = env.cr
    invoice, payment = templates["invoice"], templates.get("payment")
    template = templates["values"]
    seq = _next_sequence(cr, sale_journal)
    pay_seq = _next_sequence(cr, bank_journal) if paid else 0
    rows = []
    for n, (partner_id, amount, invoice_date, due, paid_on) in enumerate(specs):
        year = invoice_date.year
        rows.append(
            (
                partner_id,
                amount,
                invoice_date,
                due,
                paid_on or due,
                f"{SALE_CODE}/{year}/",
                seq + n,
                f"{SALE_CODE}/{year}/{seq + n:06d}",
                f"{BANK_CODE}/{paid_on.year}/" if paid else "",
                pay_seq + n,
                f"{BANK_CODE}/{paid_on.year}/{pay_seq + n:06d}" if paid else "",
            )
        )
    cr.execute("DROP TABLE IF EXISTS bench_spec")
    cr.execute(
        """
        CREATE TEMP TABLE bench_spec (
            partner_id int, partner_name varchar, amount numeric, invoice_date date,
            due date, paid_on date, prefix varchar, seq int, name varchar,
            pay_prefix varchar, pay_seq int, pay_name varchar,
            move_id int, rcv_line_id int, inc_line_id int,
            pay_move_id int, pay_rcv_line_id int, pay_bank_line_id int,
            partial_id int, full_id int
        )
        """
    )
    cr.execute(
        SQL(
            """
            INSERT INTO bench_spec (partner_id, amount, invoice_date, due, paid_on,
                                    prefix, seq, name, pay_prefix, pay_seq, pay_name)
            SELECT * FROM unnest(%s::int[], %s::numeric[], %s::date[], %s::date[],
                                 %s::date[], %s::varchar[], %s::int[], %s::varchar[],
                                 %s::varchar[], %s::int[], %s::varchar[])
            """,
            *[list(column) for column in zip(*rows, strict=True)],
        )
    )
    sequences = {
        "move_id": "account_move_id_seq",
        "rcv_line_id": "account_move_line_id_seq",
        "inc_line_id": "account_move_line_id_seq",
    }
    if paid:
        sequences.update(
            pay_move_id="account_move_id_seq",
            pay_rcv_line_id="account_move_line_id_seq",
            pay_bank_line_id="account_move_line_id_seq",
            partial_id="account_partial_reconcile_id_seq",
            full_id="account_full_reconcile_id_seq",
        )
    cr.execute(
        SQL(
            """
            UPDATE bench_spec s
               SET partner_name = p.name, %(ids)s
              FROM res_partner p
             WHERE p.id = s.partner_id
            """,
            ids=SQL(", ").join(
                SQL("%s = nextval(%s)", SQL.identifier(col), seq_name)
                for col, seq_name in sequences.items()
            ),
        )
    )
    moves, lines = _Cloner(cr, "account_move"), _Cloner(cr, "account_move_line")
    rcv_type = "asset_receivable"
    partner = SQL("CASE WHEN t.partner_id IS NULL THEN NULL ELSE s.partner_id END")
    invoice_overrides = {
        "id": SQL("s.move_id"),
        "name": SQL("s.name"),
        "sequence_prefix": SQL("s.prefix"),
        "sequence_number": SQL("s.seq"),
        "payment_reference": SQL("s.name"),
        "partner_id": SQL("s.partner_id"),
        "commercial_partner_id": SQL("s.partner_id"),
        "partner_shipping_id": SQL("s.partner_id"),
        "invoice_partner_display_name": SQL("s.partner_name"),
        "access_token": SQL("NULL"),
    }
    if paid:
        # copies are reconciled by the copied partials, not the template's
        full = SQL("s.full_id")
        invoice_line_extra = {
            "full_reconcile_id": SQL(
                "CASE WHEN t.full_reconcile_id IS NULL THEN NULL ELSE s.full_id END"
            ),
            "matching_number": SQL(
                "CASE WHEN t.matching_number IS NULL THEN NULL ELSE s.full_id::varchar END"
            ),
        }
        cr.execute(
            SQL(
                "INSERT INTO account_full_reconcile (id, create_uid, write_uid, "
                "create_date, write_date) SELECT s.full_id, %s, %s, now() AT TIME ZONE "
                "'UTC', now() AT TIME ZONE 'UTC' FROM bench_spec s",
                env.uid,
                env.uid,
            )
        )
    else:
        full = None
        invoice_line_extra = {}
    moves.clone(invoice.id, template, invoice_overrides)
    _copy_followers(cr, invoice)
    for line in invoice.line_ids:
        lines.clone(
            line.id,
            template,
            {
                "id": SQL("s.rcv_line_id")
                if line.account_id.account_type == rcv_type
                else SQL("s.inc_line_id"),
                "move_id": SQL("s.move_id"),
                "move_name": SQL("s.name"),
                "name": SQL("s.name")
                if line.account_id.account_type == rcv_type
                else SQL("t.name"),
                "partner_id": partner,
            }
            | invoice_line_extra,
        )
    if paid:
        moves.clone(
            payment.id,
            template,
            {
                "id": SQL("s.pay_move_id"),
                "name": SQL("s.pay_name"),
                "sequence_prefix": SQL("s.pay_prefix"),
                "sequence_number": SQL("s.pay_seq"),
                "ref": SQL("'Payment ' || s.name"),
                "partner_id": partner,
                "commercial_partner_id": partner,
                "access_token": SQL("NULL"),
            },
        )
        for line in payment.line_ids:
            is_receivable = line.account_id.account_type == rcv_type
            lines.clone(
                line.id,
                template,
                {
                    "id": SQL("s.pay_rcv_line_id")
                    if is_receivable
                    else SQL("s.pay_bank_line_id"),
                    "move_id": SQL("s.pay_move_id"),
                    "move_name": SQL("s.pay_name"),
                    "ref": SQL("'Payment ' || s.name"),
                    "partner_id": partner,
                }
                | invoice_line_extra,
            )
        partial = invoice.line_ids.matched_credit_ids
        _Cloner(cr, "account_partial_reconcile").clone(
            partial.id,
            template,
            {
                "id": SQL("s.partial_id"),
                "debit_move_id": SQL("s.rcv_line_id"),
                "credit_move_id": SQL("s.pay_rcv_line_id"),
                "full_reconcile_id": full,
            },
        )
    cr.execute("SELECT move_id FROM bench_spec ORDER BY move_id")
    move_ids = [row[0] for row in cr.fetchall()]
    cr.execute("DROP TABLE bench_spec")
    env.invalidate_all()
    return env["account.move"].browse(move_ids)


def generate_portfolio(
    env,
    customers=100,
    open_per_customer=10,
    paid_per_customer=5,
    company=None,
    seed=42,
    open_days=180,
    history_days=365,
    chunk=20000,
    prefix="Bench",
):
    """Create ``customers`` companies with open and paid invoices in ``company``.

    :param open_per_customer: open invoices per customer, due over the last
        ``open_days`` days (a few not due yet), invoiced 30 days before
    :param paid_per_customer: paid invoices per customer, due 75 to ``history_days``
        days ago, paid between 10 days early and 60 days late
    :param chunk: invoices copied per SQL statement
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
    sale_journal = _journal(env, company, SALE_CODE, "sale", "Bench Invoices")
    bank_journal = _journal(env, company, BANK_CODE, "bank", "Bench Bank")
    timings = {}

    started = time.monotonic()
    partners = env["res.partner"].browse()
    for names in _chunks(range(customers), 1000):
        partners |= env["res.partner"].create(
            [{"name": f"{prefix} Customer {i:06d}", "is_company": True} for i in names]
        )
    timings["partners"] = time.monotonic() - started

    def amount():
        return round(rng.lognormvariate(6.5, 1.0) + 1.0, 2)

    open_specs, paid_specs = [], []
    for partner in partners:
        for _n in range(open_per_customer):
            due = today - timedelta(days=rng.randint(-15, open_days))
            open_specs.append((partner.id, amount(), due - timedelta(30), due, None))
        for _n in range(paid_per_customer):
            due = today - timedelta(days=rng.randint(75, history_days))
            paid_on = min(due + timedelta(days=rng.randint(-10, 60)), today)
            paid_specs.append((partner.id, amount(), due - timedelta(30), due, paid_on))

    result = {"partners": partners, "timings": timings}
    for kind, specs in (("open", open_specs), ("paid", paid_specs)):
        started = time.monotonic()
        invoices = Move.browse()
        if specs:
            partner_id, value, invoice_date, due, paid_on = specs[0]
            if paid_on in (due, invoice_date):
                paid_on += timedelta(days=1)  # template dates must differ
            # the template is named like its copies, not by the journal's sequence
            # (which would not see the copies' numbers)
            env.flush_all()
            seq = _next_sequence(env.cr, sale_journal)
            invoice = Move.create(
                _invoice_vals(partner_id, sale_journal.id, value, invoice_date, due)
                | {"name": f"{SALE_CODE}/{invoice_date.year}/{seq:06d}"}
            )
            invoice.action_post()
            templates = {
                "invoice": invoice,
                "values": {
                    "amount": value,
                    "invoice_date": invoice_date,
                    "due": due,
                    "paid_on": paid_on or invoice_date,
                },
            }
            if kind == "paid":
                templates["payment"] = _pay_orm(env, invoice, bank_journal, paid_on)
            env.flush_all()
            invoices |= invoice
            for batch in _chunks(specs[1:], chunk):
                invoices |= _copy_documents(
                    env, batch, templates, sale_journal, bank_journal, kind == "paid"
                )
        result[f"{kind}_invoices"] = invoices
        timings[f"{kind}_invoices"] = time.monotonic() - started
    return result


def main(env, argv):
    parser = argparse.ArgumentParser(prog="bench/run generate.py")
    parser.add_argument("--size", choices=sorted(SIZES), help="preset size")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--open", type=int, help="open invoices per customer")
    parser.add_argument("--paid", type=int, help="paid invoices per customer")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--prefix", default="Bench")
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
        prefix=args.prefix,
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
