"""Time ``collection.case._compute_priority_scores`` and count its queries.

``bench/run bench_scores.py [--runs 3]`` on a database filled by generate.py: syncs
the cases first (timed apart), then refreshes the scores ``--runs`` times, cold
(caches invalidated) each time. Nothing is committed unless ``--commit``.
"""

import argparse

from .measure import measure


def main(env, argv):
    parser = argparse.ArgumentParser(prog="bench/run bench_scores.py")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--commit", action="store_true", help="keep the cases and scores"
    )
    args = parser.parse_args(argv)
    Case = env["collection.case"]
    companies = env["res.company"].search([])
    env.cr.execute(
        "SELECT COUNT(*) FILTER (WHERE amount_residual != 0), COUNT(*) "
        "FROM account_move_line aml JOIN account_account a ON a.id = aml.account_id "
        "WHERE a.account_type = 'asset_receivable' AND aml.parent_state = 'posted'"
    )
    open_lines, all_lines = env.cr.fetchone()
    print(f"receivable lines: {all_lines} ({open_lines} open)")
    touched, seconds, queries = measure(
        env, lambda: Case._sync_cases(companies=companies)
    )
    print(
        f"_sync_cases: {len(touched)} cases touched in {seconds:.2f}s, {queries} queries"
    )
    for run in range(1, args.runs + 1):
        scored, seconds, queries = measure(
            env, lambda: Case._compute_priority_scores(companies)
        )
        print(
            f"_compute_priority_scores run {run}: {scored} cases in {seconds:.2f}s "
            f"({scored / seconds:.0f} cases/s), {queries} queries"
        )
    env.cr.execute(
        "SELECT priority, COUNT(*), ROUND(AVG(priority_score), 2) FROM collection_case "
        "WHERE active GROUP BY priority ORDER BY 1"
    )
    print("priorities:", env.cr.fetchall())
    if args.commit:
        env.cr.commit()
    else:
        env.cr.rollback()
