"""Two daily runs at the same moment, in two real transactions: each action once.

This test commits its own company and data (the test database is thrown away after
the suite), because only committed data is seen by a second database connection.
"""

import threading
from datetime import date, timedelta

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name

CUSTOMERS = 12


def _setup_company(env):
    company = env["res.company"].create(
        {"name": "Parallel Runs Co", "collection_enforce_contact_window": False}
    )
    env["account.chart.template"].try_loading(
        "generic_coa", company=company, install_demo=False
    )
    env = env(context={"allowed_company_ids": company.ids})
    partners = env["res.partner"].create(
        [
            {
                "name": f"Parallel {i:02d}",
                "is_company": True,
                "email": f"p{i}@example.com",
            }
            for i in range(CUSTOMERS)
        ]
    )
    due = date.today() - timedelta(days=20)
    moves = (
        env["account.move"]
        .with_company(company)
        .create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": due,
                    "invoice_date_due": due,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Service", "price_unit": 100.0, "tax_ids": []}
                        )
                    ],
                }
                for partner in partners
            ]
        )
    )
    moves.action_post()
    env["collection.case"]._sync_cases(companies=company)
    return company


def test_two_parallel_runs_produce_each_communication_once():
    registry = Registry(get_db_name())
    assert not registry.in_test_mode(), "needs real, separate transactions"
    with registry.cursor() as cr:
        company_id = _setup_company(api.Environment(cr, SUPERUSER_ID, {})).id

    barrier = threading.Barrier(2)
    stats, errors = [None, None], []

    def worker(index):
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                company = env["res.company"].browse(company_id)
                barrier.wait(timeout=30)
                stats[index] = env["collection.daily.run"]._run(
                    companies=company, batch_size=3, commit=True
                )
        except Exception as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors

    with registry.cursor() as cr:
        cr.execute(
            """
            SELECT c.case_id, c.stage_id, c.channel, COUNT(*)
              FROM collection_communication c
              JOIN collection_case k ON k.id = c.case_id
             WHERE k.company_id = %s
          GROUP BY 1, 2, 3
            """,
            [company_id],
        )
        rows = cr.fetchall()
    assert len(rows) == CUSTOMERS, rows
    assert all(count == 1 for *_key, count in rows), rows
    # the work was shared, and done once: one stage move and one reminder per case
    assert sum(s.get("moved", 0) for s in stats) == CUSTOMERS, stats
    assert sum(s.get("queued", 0) for s in stats) == CUSTOMERS, stats
    # one worker prepared the company, the other waited for it, then skipped it
    assert sorted(s.get("preparations_skipped", 0) for s in stats) == [0, 1], stats
    assert not any(s.get("preparations_failed") for s in stats), stats
    with registry.cursor() as cr:
        cr.execute(
            "SELECT collection_prepared_at IS NOT NULL FROM res_company WHERE id = %s",
            [company_id],
        )
        assert cr.fetchone()[0]
