"""Where the daily run's SQL statements come from: one line per statement kind.

``bench/run trace_run.py [--batches 1] [--batch-size N] [--mail]`` runs the daily run
(email stages turned into letter stages unless ``--mail``, as ``bench_scale.py``)
and prints, per phase, the statements grouped by their first words and by the
collections_mgmt line that issued them, with their time. Rolls back.
"""

import argparse
import cProfile
import pstats
import time
import traceback
from collections import defaultdict

from odoo.sql_db import Cursor

from .bench_scale import _prepare_mail_stages, _prepare_run


def _caller():
    for frame in reversed(traceback.extract_stack(limit=40)[:-3]):
        if "collections_mgmt" in frame.filename:
            return f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}"
    return "?"


def main(env, argv):
    parser = argparse.ArgumentParser(prog="bench/run trace_run.py")
    parser.add_argument("--batches", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--mail", action="store_true")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile of the run, top 40 by own time"
    )
    parser.add_argument(
        "--dump", metavar="FILE", help="with --profile: keep the pstats in FILE too"
    )
    args = parser.parse_args(argv)
    companies = _prepare_run(env)
    if args.mail:
        _prepare_mail_stages(env)
    else:
        env["collection.stage"].search(
            [("channel", "in", ("email", "email_letter"))]
        ).write({"channel": "letter"})
    env.flush_all()
    stats = defaultdict(lambda: [0, 0.0])
    original = Cursor.execute

    def execute(cr, query, params=None, log_exceptions=True):
        started = time.perf_counter()
        try:
            return original(cr, query, params, log_exceptions)
        finally:
            text = query.code if hasattr(query, "code") else str(query)
            words = " ".join(text.split()[:3])[:60]
            entry = stats[(_caller(), words)]
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    Cursor.execute = execute
    profile = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    cpu = time.process_time()
    try:
        if profile:
            profile.enable()
        result = env["collection.daily.run"]._run(
            companies=companies, batch_size=args.batch_size, max_batches=args.batches
        )
        env.flush_all()
    finally:
        if profile:
            profile.disable()
        Cursor.execute = original
    print(f"process CPU time: {time.process_time() - cpu:.2f} s")
    if profile:
        profile_stats = pstats.Stats(profile)
        if args.dump:
            profile_stats.dump_stats(args.dump)
        profile_stats.sort_stats("tottime").print_stats(40)
        profile_stats.sort_stats("cumulative").print_stats(60)
    total = time.perf_counter() - started
    print(f"run: {total:.2f} s, {sum(n for n, _s in stats.values())} statements")
    print(f"stats: {dict(result)}")
    for (caller, words), (count, seconds) in sorted(
        stats.items(), key=lambda item: -item[1][1]
    ):
        print(f"{count:5d} {seconds:8.3f}s  {caller:55s} {words}")
    env.cr.rollback()
