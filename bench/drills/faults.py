"""Fault drills of the daily run on 2,000 cases (``make drill``, never by ``make test``).

``bench/drills/drill`` builds (once) the cached drill database and runs::

    python -m bench.drills.faults --conf .run/odoo.conf --base cm_drill_s [--only kill,...]

Each drill works on its own copy of the cached database (``createdb -T``) and runs the
daily run as real Odoo processes (``odoo-bin shell``, ``bench/drills/tasks.py``), through
its public entry point ``collection.daily.run._run(commit=True, batch_size=...)``; it
checks the outcome in SQL on the tables only, so the drills hold whatever the run's
internals become. All runs happen at the same frozen moment (``tasks.DRILL_NOW``).

- ``kill``: SIGKILL (the process group) once a few batches committed, run again to the
  end; every case either fully processed or untouched at the kill, then equal to an
  uninterrupted reference run of another copy.
- ``concurrent``: two processes start the run at the same moment on one copy; the work
  done equals the reference run's.
- ``upgrade``: ``-u collections_mgmt`` on the reference copy (cases, plans, promises,
  communications): every collections table counted before and after; then uninstall and
  reinstall, no error.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
BATCH_SIZE = 100
KILL_AFTER_BATCHES = 6  # the batch in flight then: cases that move and mail
RUN_TIMEOUT = 900


class Drills:
    def __init__(self, args):
        self.conf = args.conf
        self.base = args.base
        self.python = args.python
        self.odoo_bin = os.path.join(args.odoo_src, "odoo-bin")
        self.filestore = Path(args.run_dir) / "data" / "filestore"
        self.logs = Path(args.run_dir) / "bench" / "drills"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.results = {}

    # ------------------------------------------------------------------
    # Databases and processes
    # ------------------------------------------------------------------

    def drop(self, db):
        subprocess.run(["dropdb", "--if-exists", db], check=True)
        shutil.rmtree(self.filestore / db, ignore_errors=True)

    def clone(self, src, dst):
        self.drop(dst)
        subprocess.run(["createdb", "-T", src, dst], check=True)
        if (self.filestore / src).is_dir():
            shutil.copytree(self.filestore / src, self.filestore / dst)

    def connect(self, db):
        conn = psycopg2.connect(dbname=db)
        conn.autocommit = True
        return conn

    def query(self, db, sql, params=()):
        with self.connect(db) as conn, conn.cursor() as cr:
            cr.execute(sql, params)
            rows = cr.fetchall()
        conn.close()
        return rows

    def _shell(self, db):
        return [
            self.python,
            self.odoo_bin,
            "shell",
            "-c",
            self.conf,
            "-d",
            db,
            "--no-http",
            "--log-level=warn",
        ]

    @staticmethod
    def _script(argv):
        return (
            f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
            f"from bench.drills import tasks\ntasks.main(env, {argv!r})\n"
        )

    def start(self, db, argv, name):
        """An ``odoo-bin shell`` running a task, in its own process group."""
        log = open(self.logs / f"{name}.log", "w")  # closed by finish()
        proc = subprocess.Popen(
            self._shell(db),
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        proc.stdin.write(self._script(argv))
        proc.stdin.close()
        proc.drill_log = log
        proc.drill_name = name
        return proc

    def finish(self, proc, expect_ok=True):
        """Wait for ``proc``; its statistics (the ``DRILL {...}`` line) or None."""
        proc.wait(timeout=RUN_TIMEOUT)
        proc.drill_log.close()
        text = (self.logs / f"{proc.drill_name}.log").read_text()
        if expect_ok and (proc.returncode != 0 or "Traceback" in text):
            raise RuntimeError(f"{proc.drill_name} failed:\n{text[-4000:]}")
        stats = None
        for line in text.splitlines():
            if line.startswith("DRILL {"):
                stats = json.loads(line[6:])
        return stats

    def started_at(self, name):
        for line in (self.logs / f"{name}.log").read_text().splitlines():
            if line.startswith("DRILL started "):
                return float(line.split()[2])
        raise RuntimeError(f"{name} never started its run")

    def task(self, db, argv, name):
        return self.finish(self.start(db, argv, name))

    def wait_backends_gone(self, db, timeout=60):
        """Seconds until no session of ``db`` is left (a killed client's backend ends)."""
        started = time.monotonic()
        while True:
            left = self.query(
                "postgres",
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                (db,),
            )[0][0]
            if not left:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"{left} sessions of {db} are still open")
            time.sleep(0.1)

    # ------------------------------------------------------------------
    # What a run leaves, in SQL
    # ------------------------------------------------------------------

    def snapshot(self, db):
        """Per customer (the case's natural key), what the daily run decides and writes."""
        q = lambda sql: self.query(db, sql)  # noqa: E731
        cases = {
            row[0]: row[1:]
            for row in q(
                "SELECT partner_id, stage_id, cycle, last_contact_date FROM collection_case"
            )
        }
        comms = {}
        for row in q(
            """
            SELECT c.partner_id, m.stage_id, m.cycle, m.channel, m.origin, m.state,
                   m.reason, m.mail_id IS NOT NULL, m.activity_id IS NOT NULL,
                   ARRAY(SELECT r.move_id FROM collection_communication_invoice_rel r
                          WHERE r.communication_id = m.id ORDER BY r.move_id)
              FROM collection_communication m
              JOIN collection_case c ON c.id = m.case_id
            """
        ):
            comms.setdefault(row[0], []).append(row[1:])
        invoices = {}
        for row in q(
            """
            SELECT c.partner_id, l.move_id, l.level_id,
                   COALESCE(l.reminder_count, 0), l.last_reminder_date
              FROM collection_case_invoice l
              JOIN collection_case c ON c.id = l.case_id
            """
        ):
            invoices.setdefault(row[0], []).append(row[1:])
        mails = dict(
            q(
                """
                SELECT c.partner_id, count(*)
                  FROM mail_mail mm
                  JOIN mail_message msg ON msg.id = mm.mail_message_id
                  JOIN collection_case c ON c.id = msg.res_id
                 WHERE msg.model = 'collection.case' AND msg.message_type != 'notification'
              GROUP BY c.partner_id
                """
            )
        )
        messages = dict(
            q(
                """
                SELECT c.partner_id, count(*)
                  FROM mail_message msg
                  JOIN collection_case c ON c.id = msg.res_id
                 WHERE msg.model = 'collection.case'
              GROUP BY c.partner_id
                """
            )
        )
        activities = dict(
            q(
                """
                SELECT c.partner_id, count(*)
                  FROM mail_activity a
                  JOIN collection_case c ON c.id = a.res_id
                 WHERE a.res_model = 'collection.case'
              GROUP BY c.partner_id
                """
            )
        )
        signatures = {
            partner: {
                "case": cases[partner],
                "communications": sorted(comms.get(partner, []), key=repr),
                "invoices": sorted(invoices.get(partner, [])),
                "mails": mails.get(partner, 0),
                "messages": messages.get(partner, 0),
                "activities": activities.get(partner, 0),
            }
            for partner in cases
        }
        plans = {
            row[0]: row[1:]
            for row in q(
                """
                SELECT p.id, p.state, p.broken_date, p.done_date,
                       ARRAY(SELECT ARRAY[l.sequence::text, l.state, l.amount_paid::text,
                                          COALESCE(l.reminder_sent, false)::text]
                               FROM collection_payment_plan_line l
                              WHERE l.plan_id = p.id ORDER BY l.sequence, l.id),
                       (SELECT count(*) FROM mail_mail mm
                          JOIN mail_message msg ON msg.id = mm.mail_message_id
                         WHERE msg.model = 'collection.payment.plan' AND msg.res_id = p.id)
                  FROM collection_payment_plan p
                """
            )
        }
        return {
            "signatures": signatures,
            "plans": plans,
            "duplicates": q(
                """
                SELECT count(*) FROM (
                    SELECT 1 FROM collection_communication WHERE origin = 'auto'
                  GROUP BY case_id, stage_id, cycle, channel HAVING count(*) > 1) d
                """
            )[0][0],
            # an email claimed without its mail, or a reminder mail without its claim
            "orphans": q(
                """
                SELECT (SELECT count(*) FROM collection_communication m
                         WHERE m.channel = 'email' AND m.state IN ('queued', 'sent')
                           AND NOT EXISTS (SELECT 1 FROM mail_mail mm WHERE mm.id = m.mail_id))
                     + (SELECT count(*) FROM mail_mail mm
                          JOIN mail_message msg ON msg.id = mm.mail_message_id
                         WHERE msg.model = 'collection.case'
                           AND NOT EXISTS (SELECT 1 FROM collection_communication m
                                            WHERE m.mail_id = mm.id))
                """
            )[0][0],
            # a plan's state against its instalments
            "plans_inconsistent": q(
                """
                SELECT count(*) FROM collection_payment_plan p
                 WHERE (p.state = 'broken' AND (p.broken_date IS NULL OR NOT EXISTS (
                            SELECT 1 FROM collection_payment_plan_line l
                             WHERE l.plan_id = p.id AND l.state = 'missed')))
                    OR (p.state = 'active' AND EXISTS (
                            SELECT 1 FROM collection_payment_plan_line l
                             WHERE l.plan_id = p.id AND l.state = 'missed'))
                """
            )[0][0],
            "totals": self.totals(db),
        }

    def totals(self, db):
        """The work of a run in figures: per state, per stage, per level, reminders."""
        q = lambda sql: self.query(db, sql)  # noqa: E731
        figures = {}
        for key, value in q(
            "SELECT channel || ' ' || state, count(*) FROM collection_communication "
            "GROUP BY 1 ORDER BY 1"
        ):
            figures[f"communications {key}"] = value
        for key, value in q(
            "SELECT s.name->>'en_US', count(*) FROM collection_case c "
            "JOIN collection_stage s ON s.id = c.stage_id GROUP BY 1 ORDER BY 1"
        ):
            figures[f"cases in {key}"] = value
        for key, value in q(
            "SELECT COALESCE(s.name->>'en_US', 'none'), count(*) "
            "FROM collection_case_invoice l "
            "LEFT JOIN collection_stage s ON s.id = l.level_id GROUP BY 1 ORDER BY 1"
        ):
            figures[f"invoices at level {key}"] = value
        figures["reminders counted on invoices"] = q(
            "SELECT COALESCE(sum(reminder_count), 0) FROM collection_case_invoice"
        )[0][0]
        figures["reminder mails queued"] = q(
            "SELECT count(*) FROM mail_mail mm JOIN mail_message msg "
            "ON msg.id = mm.mail_message_id WHERE msg.model = 'collection.case'"
        )[0][0]
        figures["plan mails queued"] = q(
            "SELECT count(*) FROM mail_mail mm JOIN mail_message msg "
            "ON msg.id = mm.mail_message_id WHERE msg.model = 'collection.payment.plan'"
        )[0][0]
        figures["case activities"] = q(
            "SELECT count(*) FROM mail_activity WHERE res_model = 'collection.case'"
        )[0][0]
        for key, value in q(
            "SELECT state, count(*) FROM collection_payment_plan GROUP BY 1 ORDER BY 1"
        ):
            figures[f"plans {key}"] = value
        return figures

    @staticmethod
    def compare(snap, ref):
        """Customers whose signature differs from the reference's, and plans."""
        cases = [
            p
            for p in ref["signatures"]
            if snap["signatures"].get(p) != ref["signatures"][p]
        ]
        cases += [p for p in snap["signatures"] if p not in ref["signatures"]]
        plans = [p for p in ref["plans"] if snap["plans"].get(p) != ref["plans"][p]]
        return cases, plans

    # ------------------------------------------------------------------
    # Output
    # ------------------------------------------------------------------

    def table(self, name, title, header, rows):
        lines = [f"### {title}", "", "| " + " | ".join(header) + " |"]
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
        text = "\n".join(lines) + "\n"
        print(text, flush=True)
        self.results[name] = text

    @staticmethod
    def verdict(ok):
        return "PASS" if ok else "FAIL"

    # ------------------------------------------------------------------
    # The reference: one uninterrupted run; the state before any batch
    # ------------------------------------------------------------------

    def reference(self):
        if hasattr(self, "ref"):
            return
        prep_db, ref_db = f"{self.base}_prep", f"{self.base}_ref"
        self.clone(self.base, prep_db)
        started = time.monotonic()
        self.task(prep_db, ["run", "--max-batches", "0"], "prep")
        self.prep_seconds = time.monotonic() - started
        self.prep = self.snapshot(prep_db)
        self.prep_db = prep_db
        self.clone(self.base, ref_db)
        started = time.monotonic()
        self.ref_stats = self.task(
            ref_db, ["run", "--batch-size", str(BATCH_SIZE)], "ref"
        )
        self.ref_seconds = time.monotonic() - started
        self.ref = self.snapshot(ref_db)
        self.ref_db = ref_db
        print(
            f"reference run: {self.ref_seconds:.0f} s, {self.ref_stats}; "
            f"preparation only: {self.prep_seconds:.0f} s",
            flush=True,
        )

    # ------------------------------------------------------------------
    # Drill 1: SIGKILL in the middle of the run
    # ------------------------------------------------------------------

    def drill_kill(self):
        self.reference()
        db = f"{self.base}_kill"
        self.clone(self.base, db)
        threshold = KILL_AFTER_BATCHES * BATCH_SIZE
        proc = self.start(db, ["run", "--batch-size", str(BATCH_SIZE)], "kill-first")
        conn = self.connect(db)
        seen = 0
        started = time.monotonic()
        commits = {}  # cases seen -> when: the batches' pace
        while proc.poll() is None and seen < threshold:
            with conn.cursor() as cr:
                cr.execute(
                    "SELECT count(DISTINCT case_id) FROM collection_communication"
                )
                seen = cr.fetchone()[0]
            commits.setdefault(seen, time.monotonic())
            time.sleep(0.02)
        conn.close()
        # land in the middle of the next batch: half a batch's time after the commit
        pace = sorted(commits.values())
        batch_seconds = pace[-1] - pace[-2] if len(pace) > 2 else 1.0
        time.sleep(batch_seconds / 2)
        killed = proc.poll() is None
        if killed:
            os.killpg(proc.pid, signal.SIGKILL)
        killed_after = time.monotonic() - started
        self.finish(proc, expect_ok=False)
        backends_gone = self.wait_backends_gone(db)
        partial = self.snapshot(db)

        done = untouched = mixed = noop = moved = mailed = 0
        mixed_examples = []
        for partner, sig in partial["signatures"].items():
            ref_sig = self.ref["signatures"].get(partner)
            prep_sig = self.prep["signatures"].get(partner)
            if ref_sig == prep_sig:
                noop += 1  # the run changes nothing on it: nothing to check
            elif sig == ref_sig:
                done += 1
                moved += sig["case"][0] != prep_sig["case"][0]
                mailed += sig["mails"] > prep_sig["mails"]
            elif sig == prep_sig:
                untouched += 1
            else:
                mixed += 1
                if len(mixed_examples) < 3:
                    parts = [
                        k for k in sig if sig[k] != ref_sig[k] and sig[k] != prep_sig[k]
                    ]
                    mixed_examples.append(
                        f"partner {partner}: {', '.join(parts) or 'mix'}"
                    )
        _cases, partial_plans = self.compare(partial, self.ref)

        started = time.monotonic()
        second_stats = self.task(
            db, ["run", "--batch-size", str(BATCH_SIZE)], "kill-second"
        )
        second_seconds = time.monotonic() - started
        final = self.snapshot(db)
        diff_cases, diff_plans = self.compare(final, self.ref)
        self.drop(db)

        total = len(self.ref["signatures"])
        ref_comms = sum(
            len(s["communications"]) for s in self.ref["signatures"].values()
        )
        final_comms = sum(
            len(s["communications"]) for s in final["signatures"].values()
        )
        rows = [
            (
                "reference run (uninterrupted copy)",
                f"{self.ref_seconds:.0f} s, {total} cases, {ref_comms} communications",
                "",
            ),
            (
                "killed (SIGKILL to the process group)",
                f"after {killed_after:.1f} s: {batch_seconds / 2:.1f} s (half the last"
                f" batch's time) after {seen} cases were seen committed"
                + ("" if killed else " (the run ended first!)"),
                self.verdict(killed),
            ),
            ("sessions of the killed process gone", f"{backends_gone:.1f} s", ""),
            (
                "at the kill: cases fully processed",
                done,
                self.verdict(done >= threshold),
            ),
            ("at the kill: cases untouched", untouched, self.verdict(untouched > 0)),
            (
                "at the kill: of the processed, stage moved / reminder mail queued",
                f"{moved} / {mailed}",
                "",
            ),
            ("at the kill: cases the run leaves unchanged", noop, ""),
            (
                "at the kill: cases half-updated (stage, levels, reminders, mails: not all)",
                f"{mixed} {'; '.join(mixed_examples)}",
                self.verdict(mixed == 0),
            ),
            (
                "at the kill: plans differing from the reference",
                len(partial_plans),
                self.verdict(not partial_plans),
            ),
            (
                "at the kill: plans inconsistent with their instalments",
                partial["plans_inconsistent"],
                self.verdict(not partial["plans_inconsistent"]),
            ),
            (
                "at the kill: duplicate communications / orphan mails",
                f"{partial['duplicates']} / {partial['orphans']}",
                self.verdict(not partial["duplicates"] and not partial["orphans"]),
            ),
            ("second run to the end", f"{second_seconds:.0f} s, {second_stats}", ""),
            (
                "after: communications (reference)",
                f"{final_comms} ({ref_comms})",
                self.verdict(final_comms == ref_comms),
            ),
            (
                "after: duplicate communications on (case, stage, cycle, channel)",
                final["duplicates"],
                self.verdict(final["duplicates"] == 0),
            ),
            (
                "after: orphan reminder mails / claims without mail",
                final["orphans"],
                self.verdict(final["orphans"] == 0),
            ),
            (
                "after: cases differing from the reference (stage, communications, "
                "levels, reminders, mails, activities, chatter)",
                len(diff_cases),
                self.verdict(not diff_cases),
            ),
            (
                "after: plans differing from the reference (state, dates, instalments, mails)",
                len(diff_plans),
                self.verdict(not diff_plans),
            ),
            (
                "after: plans inconsistent with their instalments",
                final["plans_inconsistent"],
                self.verdict(not final["plans_inconsistent"]),
            ),
            (
                "after: totals equal the reference's",
                ""
                if final["totals"] == self.ref["totals"]
                else totals_diff(final["totals"], self.ref["totals"]),
                self.verdict(final["totals"] == self.ref["totals"]),
            ),
        ]
        self.table(
            "kill",
            "Drill 1: SIGKILL in the middle of the daily run (2,000 cases, batches of 100)",
            ("check", "figure", "verdict"),
            rows,
        )

    # ------------------------------------------------------------------
    # Drill 2: two processes at the same moment
    # ------------------------------------------------------------------

    def drill_concurrent(self):
        self.reference()
        self._concurrent(
            self.base,
            "concurrent",
            "Drill 2a: two Odoo processes start the daily run at the same moment",
        )
        # the same once the day's preparation (sync, scores, plans, promises, goals) is
        # committed: the batches' exactly-once on its own
        self._concurrent(
            self.prep_db,
            "concurrent_prepared",
            "Drill 2b: the same on a copy whose preparation of the day is committed",
        )

    def _concurrent(self, source, name, title):
        db = f"{self.base}_conc"
        self.clone(source, db)
        barrier = self.logs / f"barrier-{name}"
        shutil.rmtree(barrier, ignore_errors=True)
        argv = ["run", "--batch-size", str(BATCH_SIZE), "--barrier", str(barrier)]
        procs = [self.start(db, argv, f"{name}-{n}") for n in (1, 2)]
        stats = [self.finish(proc) for proc in procs]
        starts = [self.started_at(f"{name}-{n}") for n in (1, 2)]
        ended = time.time() - min(starts)
        snap = self.snapshot(db)
        diff_cases, diff_plans = self.compare(snap, self.ref)
        self.drop(db)
        keys = list(dict.fromkeys(list(self.ref["totals"]) + list(snap["totals"])))
        rows = [
            (
                key,
                self.ref["totals"].get(key, 0),
                snap["totals"].get(key, 0),
                self.verdict(
                    self.ref["totals"].get(key, 0) == snap["totals"].get(key, 0)
                ),
            )
            for key in keys
        ]
        rows += [
            (
                "duplicate communications",
                self.ref["duplicates"],
                snap["duplicates"],
                self.verdict(snap["duplicates"] == 0),
            ),
            (
                "orphan reminder mails / claims without mail",
                self.ref["orphans"],
                snap["orphans"],
                self.verdict(snap["orphans"] == 0),
            ),
            (
                "cases differing from the reference, case by case",
                0,
                len(diff_cases),
                self.verdict(not diff_cases),
            ),
            (
                "plans differing from the reference",
                0,
                len(diff_plans),
                self.verdict(not diff_plans),
            ),
            ("process 1: its counters", self.ref_stats, stats[0], ""),
            ("process 2: its counters", "", stats[1], ""),
            (
                "start of the two runs",
                "",
                f"{abs(starts[0] - starts[1]) * 1000:.0f} ms apart",
                "",
            ),
            (
                "wall time",
                f"{self.ref_seconds:.0f} s (with Odoo's start)",
                f"{ended:.0f} s from the common start",
                "",
            ),
        ]
        self.table(
            name,
            title,
            ("figure", "one run", "two processes", "verdict"),
            rows,
        )
        if diff_cases:
            example = diff_cases[0]
            print(
                f"first differing customer {example}:\n"
                f"  reference {self.ref['signatures'].get(example)}\n"
                f"  two processes {snap['signatures'].get(example)}",
                flush=True,
            )

    # ------------------------------------------------------------------
    # Drill 4: upgrade, uninstall, reinstall on a database full of data
    # ------------------------------------------------------------------

    def collection_counts(self, db):
        counts = {}
        for (table,) in self.query(
            db,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND (tablename LIKE 'collection\\_%%') ORDER BY 1",
        ):
            counts[table] = self.query(db, f'SELECT count(*) FROM "{table}"')[0][0]
        # the invoices' collection state (case link, level, reminders) is kept there
        counts["invoices with a level"] = self.query(
            db,
            "SELECT count(*) FROM collection_case_invoice WHERE level_id IS NOT NULL",
        )[0][0]
        counts["reminders counted on invoices"] = self.query(
            db, "SELECT COALESCE(sum(reminder_count), 0) FROM collection_case_invoice"
        )[0][0]
        counts["mail_activity of cases"] = self.query(
            db, "SELECT count(*) FROM mail_activity WHERE res_model = 'collection.case'"
        )[0][0]
        return counts

    def odoo(self, db, *args, stdin=None, name):
        started = time.monotonic()
        proc = subprocess.run(
            [self.python, self.odoo_bin, *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        log = proc.stdout + proc.stderr
        (self.logs / f"{name}.log").write_text(log)
        errors = [
            line
            for line in log.splitlines()
            if " ERROR " in line or "Traceback" in line
        ]
        return proc.returncode, errors, time.monotonic() - started, log

    def drill_upgrade(self):
        self.reference()
        db = f"{self.base}_upgrade"
        self.clone(self.ref_db, db)
        common = [
            "-c",
            self.conf,
            "-d",
            db,
            "--no-http",
            "--stop-after-init",
            "--log-level=warn",
        ]
        before = self.collection_counts(db)
        rc, errors, seconds, _log = self.odoo(
            db, *common, "-u", "collections_mgmt", name="upgrade"
        )
        after = self.collection_counts(db)
        rows = [
            (
                f"{table}",
                before[table],
                after.get(table),
                # the transient wizards' tables are empty
                self.verdict(before[table] == after.get(table)),
            )
            for table in before
        ]
        rows.append(
            (
                "-u collections_mgmt",
                f"{seconds:.0f} s",
                f"exit {rc}, {len(errors)} errors {errors[:2]}",
                self.verdict(rc == 0 and not errors),
            )
        )
        uninstall = (
            "mod = env['ir.module.module'].search([('name', '=', 'collections_mgmt')])\n"
            "mod.button_immediate_uninstall()\n"
            "env.cr.commit()\n"
            "print('STATE', mod.state)\n"
        )
        shell = ["shell", "-c", self.conf, "-d", db, "--no-http", "--log-level=warn"]
        rc, errors, seconds, log = self.odoo(
            db, *shell, stdin=uninstall, name="uninstall"
        )
        left = self.query(
            db, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'collection\\_%%'"
        )[0][0]
        ok = rc == 0 and not errors and "STATE uninstalled" in log
        rows.append(
            (
                "uninstall",
                f"{seconds:.0f} s",
                f"exit {rc}, {len(errors)} errors {errors[:2]}, collection tables left: {left}",
                self.verdict(ok and left == 0),
            )
        )
        rc, errors, seconds, _log = self.odoo(
            db, *common, "-i", "collections_mgmt", name="reinstall"
        )
        stages = (
            self.query(db, "SELECT count(*) FROM collection_stage")[0][0]
            if rc == 0
            else 0
        )
        rows.append(
            (
                "reinstall",
                f"{seconds:.0f} s",
                f"exit {rc}, {len(errors)} errors {errors[:2]}, {stages} stages",
                self.verdict(rc == 0 and not errors and stages > 0),
            )
        )
        started = time.monotonic()
        stats = self.task(
            db,
            ["run", "--batch-size", str(BATCH_SIZE), "--max-batches", "2"],
            "reinstall-run",
        )
        cases = self.query(db, "SELECT count(*) FROM collection_case")[0][0]
        rows.append(
            (
                "a daily run after the reinstall (2 batches)",
                f"{time.monotonic() - started:.0f} s",
                f"{cases} cases synced, {stats}",
                self.verdict(cases > 0 and stats.get("cases") == 2 * BATCH_SIZE),
            )
        )
        self.drop(db)
        self.table(
            "upgrade",
            "Drill 4: upgrade, uninstall and reinstall on the database after the reference run",
            ("table / step", "before", "after", "verdict"),
            rows,
        )


def totals_diff(snap, ref):
    keys = dict.fromkeys(list(ref) + list(snap))
    return "; ".join(
        f"{k}: {snap.get(k)} vs {ref.get(k)}" for k in keys if snap.get(k) != ref.get(k)
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bench/drills/faults.py")
    parser.add_argument("--conf", required=True)
    parser.add_argument("--base", required=True, help="the cached drill database")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--odoo-src", default=os.environ.get("ODOO_SRC", "/opt/odoo18"))
    parser.add_argument("--run-dir", default=str(ROOT / ".run"))
    parser.add_argument("--only", default="kill,concurrent,upgrade")
    args = parser.parse_args(argv)
    drills = Drills(args)
    wanted = args.only.split(",")
    try:
        for name in ("kill", "concurrent", "upgrade"):
            if name in wanted:
                getattr(drills, f"drill_{name}")()
    finally:
        for db in ("ref_db", "prep_db"):
            if hasattr(drills, db):
                drills.drop(getattr(drills, db))
    out = drills.logs / "results.md"
    out.write_text("\n".join(drills.results.values()))
    print(f"results in {out}; logs in {drills.logs}")
    failed = [name for name, text in drills.results.items() if "FAIL" in text]
    counts = Counter("FAIL" if n in failed else "PASS" for n in drills.results)
    print(f"drills: {dict(counts)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
