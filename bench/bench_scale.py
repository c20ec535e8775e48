"""Scale benchmark: the daily run next to OCA's credit control, on the same data.

``bench/scale`` (``make bench``) copies a cached benchmark database and runs one
measurement per process on the copy (``bench/run bench_scale.py --measure NAME --out
FILE``), so the peak memory of a process is the peak of that measurement; each
measurement rolls back, so the next starts from the same data (``ours`` and ``oca``
commit their first run before the next day's: each has a copy of its own). Then
``python -m bench.bench_scale --table DIR`` prints the one table of all results.

Measurements:

- ``ours``: the daily run without mail rendering (email stages turned into letter
  stages, as ``bench_daily_run.py --no-mail``), then on the state it leaves: the
  worklist's first page and the aging report's read_group (when the model exists);
  then, the first run committed and the database analyzed as autovacuum would, the
  next day's run on that state (time frozen a day later).
- ``mail``: the daily run with every ladder stage sending an email (every customer
  given an address), statement PDFs excluded; then one batch of statement PDFs.
- ``oca``: OCA's ``account_credit_control`` (installed on its own copy): its
  default policy on the receivable accounts, a run of today generating its lines;
  then, committed and analyzed the same way, the next day's run on that state (a run
  dated tomorrow, time frozen).
"""

import argparse
import json
import resource
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

from freezegun import freeze_time

from .measure import LIST_SPEC, PAGE, measure, perf_counter

WORKLIST_DOMAIN = [("stage_kind", "!=", "closed")]  # the action's default filter
SINGLE_PDFS = 20  # statements rendered one per call when a batch cannot be
OCA_POLICY = "account_credit_control.credit_control_3_time"

# targets (issue 8)
TARGET_SPEEDUP = 20  # daily run without mail on S vs OCA's run
TARGET_CASES_PER_QUERY = 20
TARGET_GROWTH = 10  # time from S to L
TARGET_MEMORY_MB = 500
TARGET_REMINDERS_PER_S = 50
TARGET_WORKLIST_MS = 300


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Phases:
    """Time and statements spent in some methods of a model, for the breakdown."""

    def __init__(self, env):
        self.env = env
        self.seconds = defaultdict(float)
        self.cpu_seconds = defaultdict(float)
        self.statements = defaultdict(int)
        self.calls = defaultdict(int)
        self._patched = []

    def watch(self, model_name, *method_names):
        cls = type(self.env[model_name])
        for name in method_names:
            original = getattr(cls, name)
            self._patched.append((cls, name, cls.__dict__.get(name)))
            setattr(cls, name, self._wrap(name, original))
        return self

    def _wrap(self, name, original):
        phases = self

        def wrapper(model, *args, **kwargs):
            before = model.env.cr.sql_log_count
            started, cpu = perf_counter(), time.process_time()
            try:
                return original(model, *args, **kwargs)
            finally:
                phases.seconds[name] += perf_counter() - started
                phases.cpu_seconds[name] += time.process_time() - cpu
                phases.statements[name] += model.env.cr.sql_log_count - before
                phases.calls[name] += 1

        return wrapper

    def restore(self):
        for cls, name, own in reversed(self._patched):
            if own is None:
                delattr(cls, name)
            else:
                setattr(cls, name, own)

    def as_dict(self):
        return {
            name: {
                "seconds": round(self.seconds[name], 3),
                # this process's CPU: what the shared machine's load does not inflate
                "cpu_seconds": round(self.cpu_seconds[name], 3),
                "statements": self.statements[name],
                "calls": self.calls[name],
            }
            for name in self.seconds
        }


def _prepare_run(env):
    companies = env["res.company"].search([])
    companies.write({"collection_enforce_contact_window": False})
    return companies


def _count_invoices(env):
    env.cr.execute(
        "SELECT COUNT(*) FILTER (WHERE payment_state = 'not_paid'), COUNT(*)"
        "  FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted'"
    )
    open_count, total = env.cr.fetchone()
    return {"open_invoices": open_count, "invoices": total}


def _daily_run(env, companies, batch_size, phases, max_batches=None):
    Run = env["collection.daily.run"]
    phases.watch("collection.case", "_sync_cases", "_refresh_priority_scores").watch(
        "collection.daily.run", "_process_batch_safely", "_send_emails"
    )
    cpu = time.process_time()
    try:
        stats, seconds, statements = measure(
            env,
            lambda: Run._run(
                companies=companies, batch_size=batch_size, max_batches=max_batches
            ),
        )
    finally:
        phases.restore()
    cases = stats.get("cases", 0)
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "statements": statements,
        "cases": cases,
        "batches": phases.calls.get("_process_batch_safely", 0),
        "batch_size": batch_size,
        "stats": stats,
        "phases": phases.as_dict(),
    }


def measure_ours(env, args):
    """Daily run without mail rendering, then the worklist and the aging report."""
    companies = _prepare_run(env)
    stages = env["collection.stage"].search(
        [("channel", "in", ("email", "email_letter"))]
    )
    stages.write({"channel": "letter"})
    env.flush_all()
    result = _count_invoices(env)
    baseline = _peak_mb()
    result["daily"] = _daily_run(env, companies, args.batch_size, _Phases(env))
    result["daily"]["peak_mb"] = _peak_mb()
    result["daily"]["baseline_mb"] = baseline
    result["worklist"] = _measure_worklist(env)
    result["aging"] = _measure_aging(env)
    # the day after: what a daily run does once the cases, their links and the
    # first actions exist (stage moves of the invoices that aged, scores)
    _overnight(env)
    with freeze_time(datetime.now() + timedelta(days=1)):
        result["next_day"] = _daily_run(env, companies, args.batch_size, _Phases(env))
    env.cr.rollback()
    return result


def _overnight(env):
    """Between two days: the first run committed (this copy is not used again), and
    the statistics autovacuum would have gathered on the rows it wrote."""
    env.cr.commit()
    env.cr.execute("ANALYZE")
    env.cr.commit()


def _measure_worklist(env):
    Case = env["collection.case"]
    runs = []
    for _attempt in range(3):
        page, seconds, statements = measure(
            env,
            lambda: Case.web_search_read(WORKLIST_DOMAIN, LIST_SPEC, limit=PAGE),
        )
        runs.append({"ms": seconds * 1000, "statements": statements})
    return {
        "records": len(page["records"]),
        "length": page["length"],
        "runs": runs,
        # the first read warms caches independent of data (views, access rules)
        "ms": min(run["ms"] for run in runs[1:]),
        "statements": runs[-1]["statements"],
    }


def _measure_aging(env):
    model_name = "collection.report.aging"
    if model_name not in env:
        return {"skipped": f"{model_name} is not installed"}
    Aging = env[model_name]
    fields = Aging._fields
    groupby = [name for name in ("company_id", "partner_id") if name in fields][:1]
    aggregates = [
        f"{name}:sum"
        for name, field in fields.items()
        if field.type == "monetary" and field.store
    ] or ["__count"]
    rows, seconds, statements = measure(
        env, lambda: Aging._read_group([], groupby, aggregates)
    )
    return {
        "ms": seconds * 1000,
        "statements": statements,
        "groups": len(rows),
        "groupby": groupby,
        "aggregates": aggregates,
    }


def measure_mail(env, args):
    """Daily run with every ladder stage rendering a reminder into the mail queue."""
    companies = _prepare_run(env)
    _prepare_mail_stages(env)
    result = _count_invoices(env)
    env.cr.execute("SELECT COUNT(*) FROM mail_mail")
    mails_before = env.cr.fetchone()[0]
    # the rate is per batch: a few batches measure it (sync and scores run in full)
    result["daily"] = daily = _daily_run(
        env, companies, args.batch_size, _Phases(env), max_batches=args.mail_batches
    )
    env.cr.execute("SELECT COUNT(*) FROM mail_mail")
    daily["mails_queued"] = env.cr.fetchone()[0] - mails_before
    daily["peak_mb"] = _peak_mb()
    result["pdf"] = _measure_pdf(env, args.pdf_cases)
    env.cr.rollback()
    return result


def _prepare_mail_stages(env):
    """Every ladder stage sends an email, every customer has an address (rolled back)."""
    # generated customers have no email: give them one
    env.cr.execute(
        "UPDATE res_partner SET email = 'bench' || id || '@example.com',"
        " email_normalized = 'bench' || id || '@example.com'"
        " WHERE COALESCE(email, '') = ''"
    )
    env.invalidate_all()
    default_template = env.ref("collections_mgmt.mail_template_collection_reminder")
    ladder = env["collection.stage"].search([("kind", "=", "ladder")])
    for stage in ladder:
        stage.write(
            {
                # statement PDFs excluded: measured on their own below
                "channel": "email",
                "activity_type_id": False,
                "mail_template_id": (stage.mail_template_id or default_template).id,
            }
        )
    env.flush_all()


def _measure_pdf(env, count):
    """One batch of statement PDFs, rendered the way the final notice attaches them."""
    cases = env["collection.case"].search([("amount_overdue", ">", 0)], limit=count)
    report = env.ref("collections_mgmt.action_report_collection_statement")
    try:
        with env.cr.savepoint():
            streams, seconds, statements = measure(
                env,
                lambda: env["ir.actions.report"]._render_qweb_pdf_prepare_streams(
                    report, {}, res_ids=cases.ids
                ),
            )
    except Exception as error:  # reported in the table, the other figures stand
        env.invalidate_all(flush=False)
        # e.g. wkhtmltopdf built on an unpatched Qt takes one input document per call:
        # then measure what the run falls back to, one render per statement
        single = cases[:SINGLE_PDFS]
        started = perf_counter()
        rendered = 0
        for case in single:
            streams = env["ir.actions.report"]._render_qweb_pdf_prepare_streams(
                report, {}, res_ids=case.ids
            )
            rendered += sum(1 for s in streams.values() if s.get("stream"))
        return {
            "error": f"{type(error).__name__}: {error}"[:200],
            "statements_rendered": rendered,
            "seconds": perf_counter() - started,
            "one_per_call": True,
        }
    return {
        "statements_rendered": sum(1 for s in streams.values() if s.get("stream")),
        "seconds": seconds,
        "queries": statements,
    }


def measure_oca(env, args):
    """OCA's credit control run of today, its default policy on the receivables."""
    company = env.company
    accounts = env["account.account"].search(
        [
            ("account_type", "=", "asset_receivable"),
            ("company_ids", "in", company.ids),
        ]
    )
    policy = env.ref(OCA_POLICY)
    policy.write({"account_ids": [(6, 0, accounts.ids)]})
    company.credit_policy_id = policy
    env.flush_all()
    result = _count_invoices(env)
    baseline = _peak_mb()
    ControlRun = env["credit.control.run"]

    def run():
        control_run = ControlRun.create(
            {"date": date.today(), "policy_ids": policy.ids}
        )
        control_run.generate_credit_lines()
        return control_run

    cpu = time.process_time()
    control_run, seconds, statements = measure(env, run)
    cpu_seconds = time.process_time() - cpu
    result["oca"] = {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "statements": statements,
        "lines": len(control_run.line_ids),
        "partners": len(control_run.line_ids.partner_id),
        "peak_mb": _peak_mb(),
        "baseline_mb": baseline,
        "policy": policy.name,
        "accounts": accounts.mapped("code"),
    }
    # the day after, on the lines this run left (as ours, time frozen a day later);
    # S only: on L it was still running after 22 minutes (a lookup per receivable line)
    if args.size == "S":
        _overnight(env)
        with freeze_time(datetime.now() + timedelta(days=1)):
            cpu = time.process_time()
            next_run, next_seconds, next_statements = measure(env, run)
            result["oca_next_day"] = {
                "seconds": next_seconds,
                "cpu_seconds": time.process_time() - cpu,
                "statements": next_statements,
                "lines": len(next_run.line_ids),
            }
    env.cr.rollback()
    return result


def measure_prepare(env, args):
    """Before two workers: the company's preparation (sync, scores), committed.

    Every ladder stage sends an email: the workers measure the mail queue's rate on
    two processes (the issue's "2 cores") as well as the exactly-once guarantee.
    """
    companies = _prepare_run(env)
    _prepare_mail_stages(env)
    for company in companies:
        env["collection.daily.run"].with_company(company)._prepare_company_safely(
            company, defaultdict(int)
        )
    env.cr.commit()
    return {"cases": env["collection.case"].search_count([])}


def measure_worker(env, args):
    """One of two workers on one run: commits per batch (the cron path)."""
    companies = env["res.company"].search([])
    Run = env["collection.daily.run"]
    batches = []
    original = type(Run)._process_batch_safely

    def process(run, company, case_ids, stats):
        before = stats.get("cases", 0)
        started = time.time()
        original(run, company, case_ids, stats)
        batches.append(
            {
                "first_case": case_ids[0],
                "cases": stats.get("cases", 0) - before,
                "start": started,
                "end": time.time(),
            }
        )

    type(Run)._process_batch_safely = process
    phases = _Phases(env).watch("collection.daily.run", "_send_emails")
    # both workers start at the same moment
    time.sleep(max(0.0, args.start_at - time.time()))
    started = perf_counter()
    try:
        stats = Run._run(
            companies=companies,
            batch_size=args.batch_size,
            commit=True,
            max_batches=args.mail_batches,
        )
    finally:
        type(Run)._process_batch_safely = original
        phases.restore()
    return {
        "seconds": perf_counter() - started,
        "phases": phases.as_dict(),
        "stats": stats,
        "batches": batches,
        "batches_with_cases": sum(1 for b in batches if b["cases"]),
    }


def measure_workers_check(env, args):
    """After two workers: no action twice, and what they queued."""
    env.cr.execute(
        """
        SELECT COUNT(*), COUNT(DISTINCT (case_id, stage_id, cycle, channel))
          FROM collection_communication WHERE origin = 'auto'
        """
    )
    communications, distinct = env.cr.fetchone()
    env.cr.execute(
        "SELECT COUNT(*) FROM mail_mail mail"
        " JOIN mail_message message ON message.id = mail.mail_message_id"
        " WHERE message.model = 'collection.case'"
    )
    return {
        "mails": env.cr.fetchone()[0],
        "communications": communications,
        "duplicates": communications - distinct,
    }


MEASURES = {
    "ours": measure_ours,
    "mail": measure_mail,
    "oca": measure_oca,
    "prepare": measure_prepare,
    "worker": measure_worker,
    "workers_check": measure_workers_check,
}


def main(env, argv):
    parser = argparse.ArgumentParser(prog="bench/run bench_scale.py")
    parser.add_argument("--measure", choices=sorted(MEASURES), required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--size", default="?")
    # default: the run's own batch size (collection.daily.run._default_batch_size)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--pdf-cases", type=int, default=300)
    parser.add_argument("--mail-batches", type=int, default=1)
    parser.add_argument("--start-at", type=float, default=0.0, help="worker: epoch")
    parser.add_argument("--name", help="the result's name (default: the measure's)")
    args = parser.parse_args(argv)
    result = MEASURES[args.measure](env, args)
    result.update(measure=args.name or args.measure, size=args.size, db=env.cr.dbname)
    Path(args.out).write_text(json.dumps(result, indent=1, default=str))
    print(json.dumps(result, default=str))


# ----------------------------------------------------------------------
# The table (plain Python, no Odoo)
# ----------------------------------------------------------------------


def _load(directory):
    results = {}
    for path in sorted(Path(directory).glob("*.json")):
        data = json.loads(path.read_text())
        results[(data["size"], data["measure"])] = data
    return results


def _fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _verdict(ok):
    if ok is None:
        return "–"
    return "met" if ok else "MISSED"


def _rows(results, sizes):
    """(measure, {size: (ours, oca, ratio)}, target, {size: verdict}) rows."""
    get = results.get
    rows = []

    def row(label, cells, target="", verdicts=None):
        rows.append((label, cells, target, verdicts or {}))

    daily = {s: (get((s, "ours")) or {}).get("daily") for s in sizes}
    oca = {s: (get((s, "oca")) or {}).get("oca") for s in sizes}
    mail = {s: (get((s, "mail")) or {}).get("daily") for s in sizes}
    data = {s: get((s, "ours")) or get((s, "oca")) or {} for s in sizes}

    row(
        "open invoices",
        {s: (_fmt(data[s].get("open_invoices")), "same DB", "") for s in sizes},
    )
    row(
        "cases / OCA credit lines",
        {
            s: (
                _fmt(daily[s] and daily[s]["cases"]),
                _fmt(oca[s] and oca[s]["lines"]),
                "",
            )
            for s in sizes
        },
    )
    cells, verdicts = {}, {}
    for s in sizes:
        ours_s = daily[s] and daily[s]["seconds"]
        oca_s = oca[s] and oca[s]["seconds"]
        speedup = oca_s / ours_s if ours_s and oca_s else None
        cells[s] = (_fmt(ours_s, 2), _fmt(oca_s, 2), f"{_fmt(speedup)}× faster")
        if s == "S":
            verdicts[s] = _verdict(speedup and speedup >= TARGET_SPEEDUP)
    row(
        "run without mail: seconds",
        cells,
        f"S: ≥ {TARGET_SPEEDUP}× faster than OCA",
        verdicts,
    )
    next_day = {s: (get((s, "ours")) or {}).get("next_day") for s in sizes}
    oca_next = {s: (get((s, "oca")) or {}).get("oca_next_day") for s in sizes}
    cells, verdicts = {}, {}
    for s in sizes:
        ours_s = next_day[s] and next_day[s]["seconds"]
        oca_s = oca_next[s] and oca_next[s]["seconds"]
        speedup = oca_s / ours_s if ours_s and oca_s else None
        cells[s] = (
            _fmt(ours_s, 2)
            + (
                f" ({next_day[s]['statements']} statements, "
                f"CPU {next_day[s]['cpu_seconds']:.2f} s)"
                if next_day[s]
                else ""
            ),
            _fmt(oca_s, 2)
            + (
                f" ({oca_next[s]['statements']:,} statements, "
                f"CPU {oca_next[s]['cpu_seconds']:.2f} s)"
                if oca_next[s]
                else ""
            ),
            f"{_fmt(speedup)}× faster",
        )
        if s == "S" and ours_s and oca_s:
            verdicts[s] = _verdict(speedup >= TARGET_SPEEDUP)
    row(
        "  the next day's run, on what the first left",
        cells,
        f"S: ≥ {TARGET_SPEEDUP}× faster than OCA",
        verdicts,
    )
    cells, verdicts = {}, {}
    for s in sizes:
        d, o = daily[s], oca[s]
        per = d and d["statements"] and d["cases"] / d["statements"]
        ratio = o and d and d["statements"] and o["statements"] / d["statements"]
        cells[s] = (
            _fmt(d and d["statements"]),
            _fmt(o and o["statements"]),
            f"{_fmt(ratio)}× fewer",
        )
        if d:
            verdicts[s] = _verdict(per >= TARGET_CASES_PER_QUERY)
    row(
        "run without mail: SQL statements",
        cells,
        f"≤ 1 per {TARGET_CASES_PER_QUERY} cases",
        verdicts,
    )
    row(
        "  cases per statement",
        {
            s: (
                _fmt(daily[s] and daily[s]["cases"] / max(daily[s]["statements"], 1)),
                _fmt(
                    oca[s] and data[s].get("open_invoices", 0) / oca[s]["statements"],
                    2,
                )
                + " inv/stmt",
                "",
            )
            for s in sizes
        },
    )
    row(
        "  batches (statements per batch)",
        {
            s: (
                _fmt(daily[s] and daily[s]["batches"])
                + (
                    f" ({_fmt(_per_batch(daily[s]))})"
                    if daily[s] and daily[s]["batches"]
                    else ""
                ),
                "",
                "",
            )
            for s in sizes
        },
    )
    for phase in ("_sync_cases", "_refresh_priority_scores", "_process_batch_safely"):
        row(
            f"  phase {phase}: s / statements",
            {
                s: (
                    _phase(daily[s], phase),
                    "",
                    "",
                )
                for s in sizes
            },
        )
    row(
        "  CPU seconds of the process (load-independent)",
        {
            s: (
                _fmt(daily[s] and daily[s].get("cpu_seconds"), 2),
                _fmt(oca[s] and oca[s].get("cpu_seconds"), 2),
                (
                    f"{_fmt(oca[s]['cpu_seconds'] / daily[s]['cpu_seconds'])}× less"
                    if daily[s]
                    and oca[s]
                    and daily[s].get("cpu_seconds")
                    and oca[s].get("cpu_seconds")
                    else ""
                ),
            )
            for s in sizes
        },
    )
    cells, verdicts = {}, {}
    for s in sizes:
        d, o = daily[s], oca[s]
        cells[s] = (
            _fmt(d and d["peak_mb"], 0),
            _fmt(o and o["peak_mb"], 0),
            f"{_fmt(o and d and o['peak_mb'] / d['peak_mb'])}× less",
        )
        if s == "L" and d:
            verdicts[s] = _verdict(d["peak_mb"] < TARGET_MEMORY_MB)
    row(
        "peak memory of the process (MB)",
        cells,
        f"L: < {TARGET_MEMORY_MB} MB",
        verdicts,
    )
    if "S" in sizes and "L" in sizes and daily["S"] and daily["L"]:
        growth = daily["L"]["seconds"] / daily["S"]["seconds"]
        stmt_growth = daily["L"]["statements"] / daily["S"]["statements"]
        batch_growth = daily["L"]["batches"] / max(daily["S"]["batches"], 1)
        oca_growth = (
            oca["L"]["seconds"] / oca["S"]["seconds"] if oca["S"] and oca["L"] else None
        )
        row(
            "S → L growth: time",
            {"S": ("", "", ""), "L": (f"{growth:.1f}×", _fmt(oca_growth) + "×", "")},
            f"≤ {TARGET_GROWTH}×",
            {"L": _verdict(growth <= TARGET_GROWTH)},
        )
        cpu_growth = daily["L"]["cpu_seconds"] / daily["S"]["cpu_seconds"]
        oca_cpu_growth = (
            oca["L"]["cpu_seconds"] / oca["S"]["cpu_seconds"]
            if oca["S"] and oca["L"]
            else None
        )
        row(
            "S → L growth: CPU seconds (load-independent)",
            {
                "S": ("", "", ""),
                "L": (f"{cpu_growth:.1f}×", _fmt(oca_cpu_growth) + "×", ""),
            },
            f"≤ {TARGET_GROWTH}×",
            {"L": _verdict(cpu_growth <= TARGET_GROWTH)},
        )
        row(
            "S → L growth: statements vs batches",
            {
                "S": ("", "", ""),
                "L": (f"{stmt_growth:.1f}× (batches {batch_growth:.1f}×)", "", ""),
            },
            "only with the batches",
            {"L": _verdict(stmt_growth <= batch_growth * 1.1)},
        )
    cells, verdicts = {}, {}
    for s in sizes:
        m = mail[s]
        if not m:
            cells[s] = ("–", "", "")
            continue
        email = m["phases"].get("_send_emails", {})
        rate = m["mails_queued"] / email["seconds"] if email.get("seconds") else None
        cpu = email.get("cpu_seconds")
        cpu_rate = m["mails_queued"] / cpu if cpu else None
        cells[s] = (
            f"{_fmt(rate)}/s ({_fmt(m['mails_queued'])} mails; "
            f"{_fmt(cpu_rate)}/s of CPU)",
            "–",
            "",
        )
        verdicts[s] = _verdict(rate and rate >= TARGET_REMINDERS_PER_S)
    row(
        "mail: reminders queued per second",
        cells,
        f"≥ {TARGET_REMINDERS_PER_S}/s, PDFs excluded",
        verdicts,
    )
    row(
        "mail: whole run s / statements / peak MB",
        {
            s: (
                mail[s]
                and f"{mail[s]['seconds']:.1f} / {mail[s]['statements']:,} / "
                f"{mail[s]['peak_mb']:.0f}"
                or "–",
                "",
                "",
            )
            for s in sizes
        },
    )
    cells = {}
    for s in sizes:
        pdf = (get((s, "mail")) or {}).get("pdf")
        if pdf and pdf.get("seconds"):
            rate = pdf["statements_rendered"] / pdf["seconds"]
            how = (
                "one per wkhtmltopdf call: the batch call failed"
                if pdf.get("one_per_call")
                else "one call"
            )
            cells[s] = (
                f"{rate:.1f}/s ({pdf['statements_rendered']} in "
                f"{pdf['seconds']:.1f}s, {how})",
                "",
                "",
            )
        elif pdf and pdf.get("error"):
            cells[s] = ("failed: " + pdf["error"], "", "")
        else:
            cells[s] = ("–", "", "")
    row("statement PDFs per second (1 batch)", cells, "reported")
    cells, verdicts = {}, {}
    for s in sizes:
        w = (get((s, "ours")) or {}).get("worklist")
        if not w:
            cells[s] = ("–", "", "")
            continue
        counts = sorted({r["statements"] for r in w["runs"][1:]})
        cells[s] = (
            f"{w['ms']:.0f} ms, {'/'.join(map(str, counts))} statements",
            "",
            "",
        )
        if s == "L":
            verdicts[s] = _verdict(w["ms"] < TARGET_WORKLIST_MS)
    worklist = {s: (get((s, "ours")) or {}).get("worklist") for s in sizes}
    constant = None
    if all(worklist.values()) and len(sizes) > 1:
        constant = len({w["statements"] for w in worklist.values()}) == 1
    row(
        "worklist first page (80 cases)",
        cells,
        f"L: < {TARGET_WORKLIST_MS} ms; constant statements"
        + ("" if constant is None else (" (S = L)" if constant else " (S ≠ L)")),
        verdicts,
    )
    cells = {}
    for s in sizes:
        a = (get((s, "ours")) or {}).get("aging")
        if not a:
            cells[s] = ("–", "", "")
        elif "skipped" in a:
            cells[s] = ("skipped: " + a["skipped"], "", "")
        else:
            cells[s] = (
                f"{a['ms']:.0f} ms, {a['statements']} statements, {a['groups']} groups",
                "",
                "",
            )
    row("aging view read_group", cells, "reported")
    cells, verdicts, mail_cells, mail_verdicts = {}, {}, {}, {}
    for s in sizes:
        workers = [get((s, f"worker{n}")) for n in (1, 2)]
        check = get((s, "workers_check"))
        if not all(workers) or not check:
            cells[s] = mail_cells[s] = ("–", "", "")
            continue
        spans = [
            (min(b["start"] for b in w["batches"]), max(b["end"] for b in w["batches"]))
            for w in workers
            if w["batches"]
        ]
        overlap = (
            max(0.0, min(e for _s, e in spans) - max(b for b, _e in spans))
            if len(spans) == 2
            else 0.0
        )
        done = [w["batches_with_cases"] for w in workers]
        cells[s] = (
            f"batches {done[0]} + {done[1]}, side by side {overlap:.0f} s, "
            f"{check['duplicates']} duplicate actions",
            "",
            "",
        )
        verdicts[s] = _verdict(all(done) and overlap > 0 and not check["duplicates"])
        span = max(e for _s, e in spans) - min(b for b, _e in spans)
        cpu = sum(
            w["phases"].get("_send_emails", {}).get("cpu_seconds", 0) for w in workers
        )
        mail_cells[s] = (
            f"{check['mails'] / span:.1f}/s ({check['mails']} mails in {span:.0f} s; "
            f"{check['mails'] / cpu if cpu else 0:.1f}/s per CPU second)",
            "",
            "",
        )
        mail_verdicts[s] = _verdict(check["mails"] / span >= TARGET_REMINDERS_PER_S)
    row(
        "two workers on one run (own processes, commit per batch)",
        cells,
        "different batches at once, no duplicate",
        verdicts,
    )
    row(
        "  mail queued by the two workers together",
        mail_cells,
        f"≥ {TARGET_REMINDERS_PER_S}/s on 2 cores",
        mail_verdicts,
    )
    return rows


def _per_batch(daily):
    work = daily["phases"].get("_process_batch_safely", {})
    return work.get("statements", 0) / max(daily["batches"], 1)


def _phase(daily, name):
    if not daily or name not in daily["phases"]:
        return "–"
    phase = daily["phases"][name]
    return f"{phase['seconds']:.2f} s / {phase['statements']:,}"


def print_table(directory, sizes):
    results = _load(directory)
    sizes = [s for s in sizes if any(key[0] == s for key in results)]
    header = ["measure"]
    for s in sizes:
        header += [f"{s} ours", f"{s} OCA", f"{s} ratio"]
    header += ["target", "verdict"]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for label, cells, target, verdicts in _rows(results, sizes):
        values = [label]
        for s in sizes:
            values += list(cells.get(s, ("", "", "")))
        verdict = ", ".join(f"{s} {v}" for s, v in verdicts.items() if v != "–")
        values += [target, verdict]
        lines.append("| " + " | ".join(str(v) for v in values) + " |")
    for s in sizes:
        data = results.get((s, "ours")) or results.get((s, "oca")) or {}
        lines.append("")
        lines.append(
            f"{s}: {_fmt(data.get('open_invoices'))} open of "
            f"{_fmt(data.get('invoices'))} posted invoices"
        )
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.bench_scale")
    parser.add_argument("--table", required=True, help="results directory")
    parser.add_argument("--sizes", default="S,L")
    cli = parser.parse_args()
    print_table(cli.table, cli.sizes.split(","))
