"""Time the daily run and count its queries.

``bench/run bench_daily_run.py [--no-mail] [--batch-size 300]`` on a database filled
by generate.py. Runs ``collection.daily.run._run`` (now, contact window off) once as
it stands (the first run of the day: sync, scores, stage moves, every reminder), then
once more (the rerun: nothing new), and rolls everything back unless ``--commit``.

``--no-mail`` turns the email stages into letter stages for the measurement (rolled
back too), so the figures show the run's own work: sync, scores, stage decisions and
communication records, without rendering mail bodies.
"""

import argparse
import resource

from .measure import measure


def main(env, argv):
    parser = argparse.ArgumentParser(prog="bench/run bench_daily_run.py")
    parser.add_argument("--no-mail", action="store_true")
    parser.add_argument("--batch-size", type=int, default=300)
    parser.add_argument("--commit", action="store_true")
    args = parser.parse_args(argv)
    Run = env["collection.daily.run"]
    companies = env["res.company"].search([])
    for company in companies:
        company.collection_enforce_contact_window = False
    if args.no_mail:
        stages = env["collection.stage"].search(
            [("channel", "in", ("email", "email_letter"))]
        )
        stages.write({"channel": "letter"})
    env.cr.execute("SELECT COUNT(*) FROM account_move WHERE move_type = 'out_invoice'")
    print(f"invoices: {env.cr.fetchone()[0]}, batch size {args.batch_size}")
    for label in ("first run", "rerun"):
        stats, seconds, queries = measure(
            env, lambda: Run._run(companies=companies, batch_size=args.batch_size)
        )
        cases = stats.get("cases", 0)
        print(
            f"{label}: {cases} cases in {seconds:.2f}s "
            f"({cases / seconds if seconds else 0:.0f} cases/s), {queries} queries "
            f"({queries / cases if cases else 0:.2f} per case), stats {stats}"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak_mb:.0f} MB")
    if args.commit:
        env.cr.commit()
    else:
        env.cr.rollback()
