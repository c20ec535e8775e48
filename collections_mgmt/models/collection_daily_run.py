import logging
import threading
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, split_every

from ..lib import fair_treatment

_logger = logging.getLogger(__name__)

# stage channel -> the communications it produces
STAGE_CHANNELS = {
    "email": ("email",),
    "letter": ("letter",),
    "email_letter": ("email", "letter"),
    "phone": ("phone",),
    "none": (),
}
CONTACT_CHANNELS = ("email", "letter", "phone")
_ADVISORY_LOCK_KEY = 0x434F4C  # "COL"

# create() inserts its rows in statements of odoo.models.INSERT_BATCH_SIZE rows (100): a
# batch of 1,000 cases would cost 10 INSERTs each for its communications, activities,
# followers and mails. The run raises that chunk while it creates them (_insert_chunk),
# so the ORM still does every create (defaults, related values, mail's own logic) in
# fewer statements. The chunk is the largest size asked by a thread of this process
# (a lock held only to change it), back to Odoo's when no run asks; another thread's
# create() meanwhile writes the same rows in fewer statements too.
_INSERT_CHUNK_LOCK = threading.Lock()
_INSERT_CHUNK_DEFAULT = models.INSERT_BATCH_SIZE
_insert_chunk_sizes = Counter()


@contextmanager
def _insert_chunk(rows):
    """Let ``create()`` insert up to ``rows`` rows per statement inside the block."""

    def apply():
        models.INSERT_BATCH_SIZE = max([_INSERT_CHUNK_DEFAULT, *_insert_chunk_sizes])

    with _INSERT_CHUNK_LOCK:
        _insert_chunk_sizes[rows] += 1
        apply()
    try:
        yield
    finally:
        with _INSERT_CHUNK_LOCK:
            _insert_chunk_sizes[rows] -= 1
            if not _insert_chunk_sizes[rows]:
                del _insert_chunk_sizes[rows]
            apply()


class CollectionDailyRun(models.AbstractModel):
    """The daily collections run: sync, scores, stage ladder, reminders, exactly once."""

    _name = "collection.daily.run"
    _description = "Collections Daily Run"

    _default_batch_size = 1000

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------

    @api.model
    def _cron_run(self):
        """Daily cron: all companies, commits between batches."""
        self._run(commit=True)

    @api.model
    def _run(self, companies=None, batch_size=None, commit=False, max_batches=None):
        """Run the daily collections process.

        :param companies: companies to process (default: all)
        :param batch_size: cases per batch (default: system parameter
            ``collections_mgmt.batch_size`` or 1000)
        :param commit: commit after each batch (the cron path only, never in tests)
        :param max_batches: stop after this many batches per company (a run cut short)
        :return: dict of counters (cases, moved, per communication state)
        """
        companies = companies or self.env["res.company"].search([])
        batch_size = batch_size or self._get_batch_size()
        stats = defaultdict(int)
        # s2-ui: the run log (collection.run), its progress after each batch
        run_log = self.env["collection.run"]._start_daily_run(companies)
        started = self._get_clock()
        for company in companies:
            run = self.with_company(company)
            if commit:
                run._prepare_company_once(company, started, stats)
            elif run._try_lock_company(company):
                run._prepare_company_safely(company, stats)
            case_ids = run._get_case_ids_to_process(company)
            run_log._add_cases(len(case_ids))  # s2-ui: run log
            done = 0
            for count, batch_ids in enumerate(split_every(batch_size, case_ids)):
                if max_batches is not None and count >= max_batches:
                    break
                run._process_batch_safely(company, list(batch_ids), stats)
                done += len(batch_ids)
                self.env["ir.cron"]._notify_progress(
                    done=done, remaining=len(case_ids) - done
                )
                run_log._log_progress(len(batch_ids), stats)  # s2-ui: run log
                if commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        run_log._finish(stats)  # s2-ui: run log
        return dict(stats)

    @api.model
    def _get_batch_size(self):
        """The system parameter ``collections_mgmt.batch_size``, when a whole number >= 1."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("collections_mgmt.batch_size")
        )
        try:
            size = int(value) if value else self._default_batch_size
        except ValueError:
            size = 0
        if size < 1:
            _logger.warning(
                "Collections run: collections_mgmt.batch_size %r is not a whole number "
                "of at least 1; using %s",
                value,
                self._default_batch_size,
            )
            size = self._default_batch_size
        return size

    def _prepare_company(self, company):
        """Sync, scores and the capabilities that ride on the run, for one company."""
        Case = self.env["collection.case"]
        # the cases the sync opens: one INSERT per 1,000
        with _insert_chunk(self._default_batch_size):
            Case._sync_cases(companies=company)
        Case._refresh_priority_scores(company)
        self._run_company_hooks(company)

    def _get_clock(self):
        """The database's wall clock: the same for every worker, whatever freezes time."""
        self.env.cr.execute(SQL("SELECT clock_timestamp()"))
        return self.env.cr.fetchone()[0]

    def _prepare_company_once(self, company, started, stats, attempts=3):
        """Committing runs: one worker prepares a company, the others wait for it.

        The wait is a session advisory lock (it outlives the commits); the waiting
        worker then reads with a fresh snapshot and skips the preparation another
        worker committed after its own start, so no batch ever works on cases a
        preparation is still changing. A serialization failure is retried, never
        taken for work done.
        """
        cr = self.env.cr
        cr.commit()  # pylint: disable=invalid-commit
        cr.execute(
            SQL("SELECT pg_advisory_lock(%s, %s)", _ADVISORY_LOCK_KEY, company.id)
        )
        try:
            cr.commit()  # pylint: disable=invalid-commit
            self.env.invalidate_all()
            cr.execute(
                SQL(
                    "SELECT collection_prepared_at >= %s FROM res_company WHERE id = %s",
                    started,
                    company.id,
                )
            )
            if cr.fetchone()[0]:
                _logger.info(
                    "Collections run: %s prepared by another worker", company.name
                )
                stats["preparations_skipped"] += 1
                return
            for attempt in range(1, attempts + 1):
                try:
                    with cr.savepoint():
                        self._prepare_company(company)
                        cr.execute(
                            SQL(
                                "UPDATE res_company SET collection_prepared_at = "
                                "clock_timestamp() WHERE id = %s",
                                company.id,
                            )
                        )
                    cr.commit()  # pylint: disable=invalid-commit
                    return
                except pg_errors.SerializationFailure:
                    _logger.info(
                        "Collections run: preparing %s collided (attempt %s of %s)",
                        company.name,
                        attempt,
                        attempts,
                    )
                    cr.rollback()
                    self.env.invalidate_all(flush=False)
            _logger.warning(
                "Collections run: %s not prepared after %s attempts; its batches go on",
                company.name,
                attempts,
            )
            stats["preparations_failed"] += 1
        except Exception:
            cr.rollback()
            raise
        finally:
            cr.execute(
                SQL("SELECT pg_advisory_unlock(%s, %s)", _ADVISORY_LOCK_KEY, company.id)
            )

    def _prepare_company_safely(self, company, stats):
        """Sync, scores and the riding capabilities; another worker's wins a race."""
        try:
            with self.env.cr.savepoint():
                self._prepare_company(company)
        except pg_errors.SerializationFailure:
            # a concurrent run committed this company's preparation first
            _logger.info("Collections run: %s prepared by another worker", company.name)
            stats["preparations_skipped"] += 1

    def _try_lock_company(self, company):
        """Only one worker syncs a company at a time; the others go on to its batches."""
        self.env.cr.execute(
            SQL(
                "SELECT pg_try_advisory_xact_lock(%s, %s)",
                _ADVISORY_LOCK_KEY,
                company.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def _run_company_hooks(self, company):
        """Extension point for the capabilities that ride on the daily run."""
        self.env["collection.payment.plan"]._cron_track_plans(companies=company)
        self.env["collection.promise"]._cron_track_promises(companies=company)
        self.env["collection.goal"]._cron_snapshot_goals(companies=company)

    @api.model
    def _get_case_ids_to_process(self, company):
        """Open cases of ``company`` in a ladder or manual stage, by id."""
        return (
            self.env["collection.case"]
            .search(
                [
                    ("company_id", "=", company.id),
                    ("stage_id.kind", "in", ("ladder", "manual")),
                    ("amount_overdue", ">", 0),
                ],
                order="id",
            )
            .ids
        )

    def _process_batch_safely(self, company, case_ids, stats):
        batch_stats = defaultdict(int)
        try:
            # the batch's communications (two per case at most), activities, followers
            # and mails: one INSERT each
            with (
                _insert_chunk(max(self._default_batch_size, 2 * len(case_ids))),
                self.env.cr.savepoint(),
            ):
                self._process_batch(company, case_ids, batch_stats)
        except (pg_errors.SerializationFailure, pg_errors.UniqueViolation) as error:
            # another worker processed these cases concurrently: theirs stands
            _logger.info("Collections run: batch skipped (%s)", error.pgcode)
            self.env.invalidate_all(flush=False)
            stats["batches_skipped"] += 1
        else:
            for key, value in batch_stats.items():
                stats[key] += value

    # ------------------------------------------------------------------
    # One batch
    # ------------------------------------------------------------------

    def _lock_cases(self, case_ids):
        """Lock the batch's cases; those another worker holds are left to it."""
        self.env.cr.execute(
            SQL(
                "SELECT id FROM collection_case WHERE id IN %s ORDER BY id "
                "FOR NO KEY UPDATE SKIP LOCKED",
                tuple(case_ids),
            )
        )
        return self.env["collection.case"].browse(
            row[0] for row in self.env.cr.fetchall()
        )

    def _process_batch(self, company, case_ids, stats):
        cases = self._lock_cases(case_ids)
        if not cases:
            return
        stats["cases"] += len(cases)
        # another worker may have just committed these cases (stage, communications),
        # and some values depend on today: never trust what the cache holds of them
        cases.invalidate_recordset()
        ladder = (
            self.env["collection.stage"]
            ._get_stages(company, "ladder")
            .sorted(lambda s: (s.min_days_overdue, s.sequence))
        )
        stats["moved"] += self._advance_stages(cases, ladder)
        overdue = self._get_overdue_invoices(cases)
        self._update_invoice_levels(cases, ladder, overdue)
        for comm in self._perform_actions(company, cases, overdue):
            stats[comm.state] += 1

    def _advance_stages(self, cases, ladder):
        """Move ladder cases up to the stage their oldest invoice reached, never back."""
        moves = defaultdict(list)
        # the ladder from the top: the first stage whose days are reached
        from_top = [(stage.min_days_overdue, stage) for stage in reversed(ladder)]
        for case in cases:
            stage = case.stage_id
            if stage.kind != "ladder":
                continue
            days = case.days_overdue
            target = next((st for min_days, st in from_top if min_days <= days), None)
            if target and target.min_days_overdue > stage.min_days_overdue:
                moves[target].append(case.id)
        Case = self.env["collection.case"]
        moves = {stage: Case.browse(ids) for stage, ids in moves.items()}
        moved = Case.concat(*moves.values())
        if not moved:
            return 0
        # one UPDATE for the batch (an ORM write costs one per 100 cases); the ORM is
        # told what changed, so whatever depends on the stage follows
        moved.flush_recordset(["stage_id", "write_uid", "write_date"])
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """
                UPDATE collection_case
                   SET stage_id = move.stage_id, write_uid = %s, write_date = %s
                  FROM (VALUES %s) AS move(case_id, stage_id)
                 WHERE collection_case.id = move.case_id
                """,
                self.env.uid,
                now,
                SQL(", ").join(
                    SQL("(%s, %s)", case.id, stage.id)
                    for stage, stage_cases in moves.items()
                    for case in stage_cases
                ),
            )
        )
        # the cache takes what was written: the batch's cases are not read again
        fields_ = moved._fields
        cache = self.env.cache
        cache.update(moved, fields_["write_uid"], [self.env.uid] * len(moved))
        cache.update(moved, fields_["write_date"], [now] * len(moved))
        for stage, stage_cases in moves.items():
            cache.update(
                stage_cases, fields_["stage_id"], [stage.id] * len(stage_cases)
            )
        moved.modified(["stage_id"])
        return len(moved)

    def _get_overdue_invoices(self, cases):
        """{case id: [(invoice id, due date, level id)]} of the cases' overdue invoices.

        The invoices of ``collection.case.overdue_invoice_ids``, in one query: a batch
        never loads its thousands of invoices into the ORM.
        """
        today = fields.Date.context_today(self)
        self.env["account.move"].flush_model(
            ["state", "collection_excluded", "amount_residual", "invoice_date_due"]
        )
        self.env["collection.case.invoice"].flush_model(["case_id", "level_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT link.case_id, move.id, move.invoice_date_due, link.level_id
                  FROM collection_case_invoice link
                  JOIN account_move move ON move.id = link.move_id
                 WHERE link.case_id IN %(cases)s
                   -- the batch's invoices by their key: without it the planner
                   -- merges or hashes the whole of account_move (4x slower at L)
                   AND move.id = ANY(ARRAY(
                           SELECT move_id FROM collection_case_invoice
                            WHERE case_id IN %(cases)s))
                   AND move.state = 'posted'
                   AND move.collection_excluded IS NOT TRUE
                   AND move.amount_residual != 0
                   AND move.invoice_date_due < %(today)s
              ORDER BY move.id
                """,
                cases=tuple(cases.ids),
                today=today,
            )
        )
        overdue = defaultdict(list)
        for case_id, invoice_id, due, level_id in self.env.cr.fetchall():
            overdue[case_id].append((invoice_id, due, level_id))
        return overdue

    def _update_invoice_levels(self, cases, ladder, overdue=None):
        if overdue is None:
            overdue = self._get_overdue_invoices(cases)
        today = fields.Date.context_today(self)
        # the ladder by days, and the days of each level an invoice may hold
        thresholds = [(stage.min_days_overdue, stage) for stage in ladder]
        level_days = {stage.id: stage.min_days_overdue for stage in ladder}
        levels = defaultdict(list)
        for case_id in cases.ids:
            for invoice_id, due, level_id in overdue.get(case_id, ()):
                days = (today - due).days
                target = None
                for min_days, stage in thresholds:
                    if min_days <= days:
                        target = stage
                if not target:
                    continue
                if level_id and level_id not in level_days:
                    level_days[level_id] = (
                        self.env["collection.stage"].browse(level_id).min_days_overdue
                    )
                if not level_id or target.min_days_overdue > level_days[level_id]:
                    levels[target].append(invoice_id)
        if not levels:
            return
        # one UPDATE of our narrow table for the batch, each invoice with its level
        Link = self.env["collection.case.invoice"]
        Link.flush_model(["level_id"])
        rows = [
            SQL("(%s, %s)", invoice_id, stage.id)
            for stage, invoice_ids in levels.items()
            for invoice_id in invoice_ids
        ]
        self.env.cr.execute(
            SQL(
                """
                UPDATE collection_case_invoice
                   SET level_id = level.stage_id
                  FROM (VALUES %s) AS level(move_id, stage_id)
                 WHERE collection_case_invoice.move_id = level.move_id
                """,
                SQL(", ").join(rows),
            )
        )
        Link.invalidate_model(["level_id"])
        self.env["account.move"].browse(
            invoice_id for invoice_ids in levels.values() for invoice_id in invoice_ids
        ).invalidate_recordset(["collection_level_id"])

    # ------------------------------------------------------------------
    # Actions, exactly once
    # ------------------------------------------------------------------

    @api.model
    def _get_stage_channels(self, stage):
        channels = list(STAGE_CHANNELS.get(stage.channel, ()))
        if stage.activity_type_id and "phone" not in channels:
            channels.append("activity")
        return channels

    def _perform_actions(self, company, cases, overdue=None):
        """Claim and perform the action of each case's current stage once.

        :param overdue: the cases' overdue invoices (``_get_overdue_invoices``)
        Returns the communications claimed or retried in this batch.
        """
        if overdue is None:
            overdue = self._get_overdue_invoices(cases)
        Comm = self.env["collection.communication"]
        Case, Stage = self.env["collection.case"], self.env["collection.stage"]
        now = fields.Datetime.now()
        existing = Comm.search([("case_id", "in", cases.ids), ("origin", "=", "auto")])
        by_key = {
            (c.case_id.id, c.stage_id.id, c.cycle, c.channel): c for c in existing
        }
        context = self._get_rule_context(company, cases, now)

        to_claim = []
        retry = Comm
        superseded = Comm
        for case in cases:
            stage = case.stage_id
            if stage.kind == "manual":
                # paused by a person: record it once per stage and cycle
                channels = ["email"]
            else:
                channels = self._get_stage_channels(stage)
            for channel in channels:
                comm = by_key.get((case.id, stage.id, case.cycle, channel))
                if not comm:
                    to_claim.append(
                        {
                            "case_id": case.id,
                            "stage_id": stage.id,
                            "cycle": case.cycle,
                            "channel": channel,
                            "origin": "auto",
                            "state": "queued",
                            "date": now,
                            "user_id": case.user_id.id,
                            # related stored: given, so no UPDATE follows the INSERT
                            "partner_id": case.partner_id.id,
                            "company_id": case.company_id.id,
                            "currency_id": case.currency_id.id,
                            "amount_overdue": case.amount_overdue,
                        }
                    )
                elif comm.state == "deferred":
                    retry |= comm
        # waiting actions of a stage the case has left are superseded
        for comm in existing.filtered(lambda c: c.state == "deferred"):
            if (
                comm.stage_id != comm.case_id.stage_id
                or comm.cycle != comm.case_id.cycle
            ):
                superseded |= comm
        if superseded:
            superseded.write(
                {"state": "skipped", "reason": _("Superseded by a later stage.")}
            )
        # an activity has no rule to pass: created first, claimed done with its link
        activity_claims = [vals for vals in to_claim if vals["channel"] == "activity"]
        if activity_claims:
            activities = self._create_activities(
                [
                    (Case.browse(vals["case_id"]), Stage.browse(vals["stage_id"]))
                    for vals in activity_claims
                ]
            )
            for vals, activity in zip(activity_claims, activities, strict=True):
                vals.update(state="done", activity_id=activity.id)
        claimed = Comm.create(to_claim) if to_claim else Comm
        self._link_claimed_invoices(claimed, overdue)
        done = claimed.filtered(lambda c: c.channel == "activity")
        todo = (claimed - done) | (retry - superseded)
        self._dispatch(todo, context, now)
        return done | todo

    def _link_claimed_invoices(self, comms, overdue):
        """The invoices each new communication names: its case's overdue invoices.

        One INSERT of the pairs for the batch (thousands of rows), and the cache
        told what was written.
        """
        pairs = [
            (comm.id, row[0])
            for comm in comms
            for row in overdue.get(comm.case_id.id, ())
        ]
        if pairs:
            comm_ids, move_ids = zip(*pairs, strict=True)
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO collection_communication_invoice_rel
                           (communication_id, move_id)
                    SELECT * FROM unnest(%s::integer[], %s::integer[])
                    """,
                    list(comm_ids),
                    list(move_ids),
                )
            )
        self.env.cache.update(
            comms,
            comms._fields["invoice_ids"],
            [
                tuple(row[0] for row in overdue.get(comm.case_id.id, ()))
                for comm in comms
            ],
        )

    def _get_rule_context(self, company, cases, now):
        """Everything the fair-treatment rules need for a batch, in a few queries."""
        since = now - timedelta(days=7)
        # per case, in one statement: the emails of the last 7 days (queued or sent),
        # the call attempts (a person's, or the run's queued or done) and the date of
        # the last conversation a person logged
        self.env["collection.communication"].flush_model(
            ["case_id", "date", "channel", "state", "origin", "call_outcome"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT case_id,
                       COUNT(*) FILTER (
                           WHERE date >= %(since)s AND channel = 'email'
                             AND state IN ('queued', 'sent')),
                       COUNT(*) FILTER (
                           WHERE date >= %(since)s AND channel = 'phone'
                             AND (origin = 'manual' OR state IN ('queued', 'done'))),
                       MAX(date) FILTER (
                           WHERE channel = 'phone' AND origin = 'manual'
                             AND call_outcome IN %(outcomes)s)
                  FROM collection_communication
                 WHERE case_id IN %(cases)s
              GROUP BY case_id
                """,
                since=since,
                outcomes=tuple(sorted(fair_treatment.CONVERSATION_OUTCOMES)),
                cases=tuple(cases.ids) or (None,),  # no case: no row
            )
        )
        emails, calls, conversations = {}, {}, {}
        Case = self.env["collection.case"]
        for case_id, email_count, call_count, conversation in self.env.cr.fetchall():
            case = Case.browse(case_id)
            if email_count:
                emails[case] = email_count
            if call_count:
                calls[case] = call_count
            if conversation:
                conversations[case] = conversation
        recipients = cases.reminder_partner_id
        blacklisted = set(
            self.env["mail.blacklist"]
            .sudo()
            .search(
                [
                    (
                        "email",
                        "in",
                        [p.email_normalized for p in recipients if p.email_normalized],
                    )
                ]
            )
            .mapped("email")
        )
        return {
            "company": company,
            "window": (
                (
                    company.collection_contact_hour_start,
                    company.collection_contact_hour_end,
                )
                if company.collection_enforce_contact_window
                else None
            ),
            "company_tz": company.partner_id.tz or "UTC",
            "emails": emails,
            "calls": calls,
            "conversations": conversations,
            "blacklisted": blacklisted,
        }

    def _check_rules(self, comm, context, now, manual=False):
        """('skipped'|'deferred'|'failed', reason) when ``comm`` may not go out, else None.

        :param manual: a person sends it: a paused stage does not hold it back
        """
        case = comm.case_id
        partner = case.partner_id
        company = context["company"]
        if case.stage_id.kind == "manual" and not manual:
            return "skipped", _(
                "Automation paused: the case is in stage %(stage)s.",
                stage=case.stage_id.name,
            )
        if comm.channel not in CONTACT_CHANNELS:
            return None
        if partner.collection_do_not_contact:
            return "skipped", _(
                "Do not contact: %(reason)s",
                reason=partner.collection_do_not_contact_reason or _("no reason given"),
            )
        tz = partner.tz or context["company_tz"]
        if comm.channel == "email":
            recipient = case.reminder_partner_id
            if not recipient.email_normalized:
                return "failed", _("The customer has no email address.")
            if recipient.email_normalized in context["blacklisted"]:
                return "skipped", _(
                    "%(email)s opted out of emails (blacklist).", email=recipient.email
                )
            reason = fair_treatment.check_email(
                now,
                tz,
                context["window"],
                context["emails"].get(case, 0),
                company.collection_max_emails_7d,
            )
        elif comm.channel == "phone":
            reason = fair_treatment.check_call(
                now,
                tz,
                context["window"],
                context["calls"].get(case, 0),
                company.collection_max_calls_7d,
                context["conversations"].get(case),
                company.collection_call_cooldown_days,
            )
        else:
            reason = None
        if reason:
            return "deferred", self._describe_rule(*reason)
        return None

    @api.model
    def _describe_rule(self, code, params):
        if code == "outside_window":
            return _(
                "Outside the contact window (%(time)s local time).",
                time=params["local"].strftime("%H:%M %Z"),
            )
        if code == "email_cap":
            return _(
                "Email cap reached: %(count)s emails in 7 days (at most %(cap)s).",
                count=params["count"],
                cap=params["cap"],
            )
        if code == "call_cap":
            return _(
                "Call cap reached: %(count)s call attempts in 7 days (at most %(cap)s).",
                count=params["count"],
                cap=params["cap"],
            )
        if code == "call_cooldown":
            return _(
                "The customer was reached on %(date)s: no call within %(days)s days.",
                date=fields.Date.to_string(params["since"].date()),
                days=params["days"],
            )
        return code

    def _dispatch(self, comms, context, now):
        """Apply the rules to each communication, then perform what may go out."""
        go = defaultdict(lambda: self.env["collection.communication"])
        outcomes = defaultdict(lambda: self.env["collection.communication"])
        for comm in comms:
            verdict = self._check_rules(comm, context, now)
            if verdict:
                outcomes[verdict] |= comm
            else:
                go[comm.channel] |= comm
        for (state, reason), group in outcomes.items():
            group.write({"state": state, "reason": reason, "date": now})
            if state == "failed":
                for case in group.case_id:
                    case._message_log(body=reason)
        if go["email"]:
            self._send_emails(go["email"])
        if go["letter"]:
            go["letter"].write({"state": "queued", "reason": False, "date": now})
        if go["phone"] or go["activity"]:
            self._schedule_activities(go["phone"] | go["activity"])
        contacted = go["email"].filtered(lambda c: c.state == "queued") | go["letter"]
        if contacted:
            self._mark_contacted(contacted)

    def _mark_contacted(self, comms):
        today = fields.Date.context_today(self)
        comms.case_id.write({"last_contact_date": today})
        # one reminder more per communication naming the invoice (email and letter: two)
        counts = Counter(
            invoice_id for comm in comms for invoice_id in comm.invoice_ids.ids
        )
        if not counts:
            return
        Link = self.env["collection.case.invoice"]
        Link.flush_model(["reminder_count", "last_reminder_date"])
        # one UPDATE of our narrow table for the batch, each invoice with its increment
        self.env.cr.execute(
            SQL(
                """
                UPDATE collection_case_invoice
                   SET reminder_count = COALESCE(reminder_count, 0) + sent.increment,
                       last_reminder_date = %s
                  FROM (VALUES %s) AS sent(move_id, increment)
                 WHERE collection_case_invoice.move_id = sent.move_id
                """,
                today,
                SQL(", ").join(
                    SQL("(%s, %s)", invoice_id, count)
                    for invoice_id, count in counts.items()
                ),
            )
        )
        Link.invalidate_model(["reminder_count", "last_reminder_date"])
        self.env["account.move"].browse(counts).invalidate_recordset(
            ["collection_reminder_count", "collection_last_reminder_date"]
        )

    def _send_emails(self, comms):
        """Render the stage templates in batches into Odoo's mail queue."""
        by_template = defaultdict(lambda: self.env["collection.communication"])
        for comm in comms:
            by_template[comm.stage_id.mail_template_id] |= comm
        for template, group in by_template.items():
            if not template:
                group.write(
                    {
                        "state": "failed",
                        "reason": _("The stage has no email template."),
                    }
                )
                continue
            try:
                with self.env.cr.savepoint():
                    self._post_reminders(template, group)
            except Exception:
                _logger.info("Collections run: batch rendering failed, one by one")
                self.env.invalidate_all(flush=False)
                for comm in group:
                    try:
                        with self.env.cr.savepoint():
                            self._post_reminders(template, comm)
                    except Exception as error:
                        self.env.invalidate_all(flush=False)
                        reason = _(
                            "The email could not be prepared: %(error)s", error=error
                        )
                        comm.write({"state": "failed", "reason": reason[:500]})
                        comm.case_id._message_log(body=reason)

    def _post_reminders(self, template, comms):
        """Queue the reminders of ``comms`` (one template), logged on their cases.

        The way Odoo's mass mailing sends: the composer in mass-mail mode renders the
        template for the whole batch, the emails are created together, each with its
        message in the case's history (reminder subtype, no notification). That
        message carries a one-line summary: the full text is the email's
        (``mail_id``), so the reminder's body is not sanitized a second time.
        """
        cases = comms.case_id
        self._ensure_invoice_portal_tokens(cases)
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="mass_mail",
                default_model="collection.case",
                default_res_ids=cases.ids,
                default_template_id=template.id,
                mail_create_nosubscribe=True,
                # issue 8: one compilation, one language look-up (mail_render_mixin.py)
                collections_mgmt_batch_render=True,
            )
            .create({"force_send": False, "auto_delete_keep_log": True})
        )
        subtype = self.env.ref("collections_mgmt.mt_collection_reminder")
        values_by_case = composer._prepare_mail_values(cases.ids)
        for case in cases:
            values_by_case[case.id].update(
                subtype_id=subtype.id, body=self._get_reminder_log(case)
            )
        mails = (
            self.env["mail.mail"]
            .sudo()
            .create([values_by_case[case_id] for case_id in cases.ids])
        )
        cases._message_mail_after_hook(mails)
        mail_by_case = {mail.res_id: mail for mail in mails}
        message_by_case = {
            case_id: mail.mail_message_id for case_id, mail in mail_by_case.items()
        }
        attachments = self._attach_statements(comms, message_by_case)
        for comm in comms:
            mail = mail_by_case.get(comm.case_id.id)
            comm.write(
                {
                    "state": "queued",
                    "reason": False,
                    "message_id": mail.mail_message_id.id if mail else False,
                    "mail_id": mail.id if mail else False,
                    "attachment_id": attachments.get(comm.case_id.id, False),
                }
            )

    @api.model
    def _get_reminder_log(self, case):
        """The line a reminder leaves in the case's history."""
        return Markup("<p>%s</p>") % _(
            "Reminder emailed to %(recipient)s: %(count)s overdue invoices, %(amount)s.",
            recipient=case.reminder_partner_id.email or case.reminder_partner_id.name,
            count=case.invoice_count,
            amount=format_amount(self.env, case.amount_overdue, case.currency_id),
        )

    def _ensure_invoice_portal_tokens(self, cases):
        """Portal tokens for the cases' invoices, in one UPDATE, before rendering.

        The reminders link each invoice's portal page: ``get_portal_url`` would write
        every missing token on its own (``account.move.write``, its balance check),
        one invoice at a time. The token is a technical field, written in SQL.
        """
        self.env["account.move"].flush_model(["access_token"])
        self.env["collection.case.invoice"].flush_model(["case_id"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move
                   SET access_token = gen_random_uuid()::text
                  FROM collection_case_invoice link
                 WHERE link.move_id = account_move.id
                   AND link.case_id IN %s
                   AND account_move.access_token IS NULL
             RETURNING account_move.id
                """,
                tuple(cases.ids),
            )
        )
        self.env["account.move"].browse(
            row[0] for row in self.env.cr.fetchall()
        ).invalidate_recordset(["access_token"])

    def _attach_statements(self, comms, message_by_case):
        """Statement PDFs for the stages that send paper too (final notice)."""
        cases = comms.filtered(lambda c: c.stage_id.channel == "email_letter").case_id
        if not cases:
            return {}
        streams = self._render_statements(cases)
        vals_list = []
        for case in cases:
            stream = streams.get(case.id, {}).get("stream")
            if stream:
                vals_list.append(
                    {
                        "name": _("Statement %(name)s.pdf", name=case.name),
                        "raw": stream.getvalue(),
                        "res_model": "mail.message",
                        "res_id": message_by_case[case.id].id,
                        "mimetype": "application/pdf",
                    }
                )
        attachments = self.env["ir.attachment"].sudo().create(vals_list)
        result = {}
        for attachment in attachments:
            message = self.env["mail.message"].sudo().browse(attachment.res_id)
            message.attachment_ids = [(4, attachment.id)]
            result[message.res_id] = attachment.id
        return result

    def _render_statements(self, cases):
        """``{case_id: {"stream": ...}}``: one wkhtmltopdf call for the batch.

        A wkhtmltopdf built on unpatched Qt (Debian's) renders one document per
        call only; then each statement is rendered on its own.
        """
        Report = self.env["ir.actions.report"]
        report = self.env.ref("collections_mgmt.action_report_collection_statement")
        try:
            streams = Report._render_qweb_pdf_prepare_streams(
                report, {}, res_ids=cases.ids
            )
            if all(streams.get(case.id, {}).get("stream") for case in cases):
                return streams
        except Exception:
            _logger.info("Collections run: statements rendered one by one")
        streams = {}
        for case in cases:
            streams.update(
                Report._render_qweb_pdf_prepare_streams(report, {}, res_ids=case.ids)
            )
        return streams

    def _schedule_activities(self, comms):
        """Call tasks for the collector, escalation activities for the manager."""
        activities = self._create_activities([(c.case_id, c.stage_id) for c in comms])
        for comm, activity in zip(comms, activities, strict=True):
            comm.write(
                {
                    "state": "queued" if comm.channel == "phone" else "done",
                    "reason": False,
                    "activity_id": activity.id,
                }
            )

    def _create_activities(self, case_stages):
        """The activities of ``[(case, stage)]``, in that order, in one create."""
        today = fields.Date.context_today(self)
        model_id = self.env["ir.model"]._get_id("collection.case")
        vals_list = []
        for case, stage in case_stages:
            if stage.activity_assignee == "manager":
                user = case.company_id.collection_escalation_user_id or case.user_id
            else:
                user = case.user_id or case.company_id.collection_user_id
            user = user or self.env.user
            activity_type = stage.activity_type_id or self.env.ref(
                "mail.mail_activity_data_call"
            )
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": case.id,
                    "activity_type_id": activity_type.id,
                    "summary": stage.activity_summary or stage.name,
                    "date_deadline": today + timedelta(days=stage.activity_delay),
                    "user_id": user.id,
                    # stored computes, given: no UPDATE after the INSERT
                    "res_name": case.display_name,
                    "user_tz": user.tz,
                    "date_done": False,
                }
            )
        return self.env["mail.activity"].create(vals_list)

    # ------------------------------------------------------------------
    # Manual reminder
    # ------------------------------------------------------------------

    @api.model
    def _send_manual_reminder(self, case):
        """Send ``case``'s reminder now; refused with the reason a rule gives."""
        now = fields.Datetime.now()
        template = case.stage_id.mail_template_id or self.env.ref(
            "collections_mgmt.mail_template_collection_reminder"
        )
        context = self._get_rule_context(case.company_id, case, now)
        Comm = self.env["collection.communication"]
        values = {
            "case_id": case.id,
            "stage_id": case.stage_id.id,
            "cycle": case.cycle,
            "channel": "email",
            "origin": "manual",
            "user_id": self.env.user.id,
            "amount_overdue": case.amount_overdue,
            "invoice_ids": [(6, 0, case.overdue_invoice_ids.ids)],
        }
        # the rules judge a draft: nothing is written when they refuse
        verdict = self._check_rules(Comm.new(values), context, now, manual=True)
        if verdict:
            raise UserError(
                _("The reminder was not sent. %(reason)s", reason=verdict[1])
            )
        comm = Comm.create(values)
        self._post_reminders(template, comm)
        self._mark_contacted(comm)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Reminder queued"),
                "message": _(
                    "The reminder to %(partner)s is in the mail queue.",
                    partner=case.reminder_partner_id.display_name,
                ),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
