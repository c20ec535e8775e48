import logging

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, split_every
from odoo.tools.pdf import merge_pdf

_logger = logging.getLogger(__name__)

# communication state -> counter field of the run
STATE_COUNTERS = {
    "queued": "queued_count",
    "sent": "sent_count",
    "printed": "printed_count",
    "done": "done_count",
    "deferred": "deferred_count",
    "skipped": "skipped_count",
    "failed": "failed_count",
}


class CollectionRun(models.Model):
    """One long collections job (a daily run, a batch of letters) and its progress."""

    _name = "collection.run"
    _description = "Collections Run"
    _order = "id desc"

    _default_print_batch_size = 50

    kind = fields.Selection(
        [("daily", "Daily Run"), ("print", "Letter Printing")],
        required=True,
        default="daily",
        readonly=True,
    )
    trigger = fields.Selection(
        [("manual", "Manual"), ("cron", "Scheduled")],
        required=True,
        default="manual",
        readonly=True,
    )
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        required=True,
        default="queued",
        readonly=True,
        index=True,
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        readonly=True,
        default=lambda self: self.env.companies,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Requested By",
        readonly=True,
        default=lambda self: self.env.user,
    )
    date_start = fields.Datetime("Started", readonly=True)
    date_end = fields.Datetime("Finished", readonly=True)
    duration = fields.Float(
        compute="_compute_duration", help="Hours and minutes from start to finish."
    )
    case_count = fields.Integer("Cases", readonly=True)
    case_done = fields.Integer("Cases Done", readonly=True)
    progress = fields.Float(compute="_compute_progress", help="Percent of cases done.")
    moved_count = fields.Integer("Moved to a New Stage", readonly=True)
    queued_count = fields.Integer("Queued", readonly=True)
    sent_count = fields.Integer("Sent", readonly=True)
    printed_count = fields.Integer("Printed", readonly=True)
    done_count = fields.Integer("Done", readonly=True)
    deferred_count = fields.Integer("Waiting", readonly=True)
    skipped_count = fields.Integer("Skipped", readonly=True)
    failed_count = fields.Integer("Failed", readonly=True)
    communication_ids = fields.Many2many(
        "collection.communication", string="Letters", readonly=True
    )
    attachment_id = fields.Many2one("ir.attachment", string="PDF", readonly=True)
    pdf = fields.Binary(related="attachment_id.datas", string="Letters PDF")
    pdf_name = fields.Char(related="attachment_id.name")
    error = fields.Text(readonly=True)

    @api.depends("kind", "create_date")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for run in self:
            when = fields.Datetime.context_timestamp(
                run, run.create_date or fields.Datetime.now()
            )
            run.display_name = _(
                "%(kind)s of %(date)s",
                kind=kinds[run.kind],
                date=when.strftime("%Y-%m-%d %H:%M"),
            )

    @api.depends("date_start", "date_end")
    def _compute_duration(self):
        for run in self:
            end = run.date_end or fields.Datetime.now()
            run.duration = (
                (end - run.date_start).total_seconds() / 3600 if run.date_start else 0.0
            )

    @api.depends("case_count", "case_done", "state")
    def _compute_progress(self):
        for run in self:
            if run.case_count:
                run.progress = min(100.0, 100.0 * run.case_done / run.case_count)
            else:
                run.progress = 100.0 if run.state == "done" else 0.0

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @api.model
    def action_queue_daily_run(self):
        """Run Now: queue the daily run in the cron worker and open its record."""
        if not self.env.user.has_group("collections_mgmt.group_collections_manager"):
            raise AccessError(_("Only collections managers can run the daily run."))
        # a run already waiting for the scheduler is enough; one that is running (or
        # was killed while running) does not stop a new one: runs are safe in parallel
        run = self.search([("kind", "=", "daily"), ("state", "=", "queued")], limit=1)
        if not run:
            run = self.create({"kind": "daily", "trigger": "manual"})
        self.env.ref("collections_mgmt.ir_cron_collection_daily_run")._trigger()
        return run._action_open()

    def action_refresh(self):
        """The form's Refresh button: the progress as the worker committed it."""
        return True

    def _action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Daily run log: called by collection.daily.run._run
    # ------------------------------------------------------------------

    @api.model
    def _start_daily_run(self, companies):
        """The run record of a daily run starting now: a queued Run Now, or a new one."""
        run = self._claim_queued_run()
        values = {
            "state": "running",
            "company_ids": [fields.Command.set(companies.ids)],
            "date_start": fields.Datetime.now(),
        }
        if run:
            run.sudo().write(values)
        else:
            run = self.sudo().create(
                values
                | {
                    "kind": "daily",
                    "trigger": "cron" if self.env.context.get("cron_id") else "manual",
                }
            )
        run_ids = self.env.context.get("collections_mgmt_run_ids")
        if run_ids is not None:
            run_ids.append(run.id)
        return run

    @api.model
    def _claim_queued_run(self):
        """The oldest queued Run Now; a concurrent worker that holds it keeps it."""
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    SQL(
                        """
                        SELECT id FROM collection_run
                         WHERE kind = 'daily' AND state = 'queued'
                         ORDER BY id LIMIT 1
                           FOR UPDATE SKIP LOCKED
                        """
                    )
                )
                row = self.env.cr.fetchone()
        except pg_errors.SerializationFailure:
            return self.browse()
        return self.sudo().browse(row[0]) if row else self.browse()

    def _add_cases(self, count):
        """Cases of one more company to process."""
        self.case_count += count

    def _log_progress(self, done, stats):
        """After a batch: ``done`` more cases, the run's counters so far."""
        self.write({"case_done": self.case_done + done} | self._stats_values(stats))

    def _finish(self, stats):
        self.write(
            {"state": "done", "date_end": fields.Datetime.now()}
            | self._stats_values(stats)
        )
        self._notify_user()

    def _fail(self, error):
        self.sudo().write(
            {"state": "failed", "date_end": fields.Datetime.now(), "error": error}
        )
        self._notify_user()

    @api.model
    def _stats_values(self, stats):
        values = {"moved_count": stats.get("moved", 0)}
        for state, field_name in STATE_COUNTERS.items():
            values[field_name] = stats.get(state, 0)
        return values

    def _notify_user(self):
        """Tell the user who asked for the run that it ended."""
        for run in self.filtered(lambda r: r.trigger == "manual" and r.user_id):
            if run.state == "done":
                message = _(
                    "%(name)s: %(cases)s cases, %(moved)s moved to a new stage, "
                    "%(queued)s actions queued, %(failed)s failed.",
                    name=run.display_name,
                    cases=run.case_done,
                    moved=run.moved_count,
                    queued=run.queued_count + run.done_count + run.printed_count,
                    failed=run.failed_count,
                )
            else:
                message = _(
                    "%(name)s failed: %(error)s",
                    name=run.display_name,
                    error=run.error or "",
                )
            run.user_id.partner_id._bus_send(
                "simple_notification",
                {
                    "title": _("Collections"),
                    "message": message,
                    "type": "success" if run.state == "done" else "danger",
                    "sticky": run.state != "done",
                },
            )

    # ------------------------------------------------------------------
    # Letter printing
    # ------------------------------------------------------------------

    @api.model
    def _get_print_batch_size(self):
        """Statements per wkhtmltopdf call when letters print in the background."""
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(
                "collections_mgmt.print_batch_size", self._default_print_batch_size
            )
        )

    @api.model
    def _get_print_background_threshold(self):
        """Above this many statements, letters print in the background."""
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(
                "collections_mgmt.print_background_threshold",
                self._default_print_batch_size,
            )
        )

    @api.model
    def _queue_letter_printing(self, letters):
        """Print these letters in the background; the user is told when the PDF is ready."""
        if not letters:
            raise UserError(_("Select at least one letter to print."))
        run = self.sudo().create(
            {
                "kind": "print",
                "trigger": "manual",
                "company_ids": [fields.Command.set(letters.company_id.ids)],
                "communication_ids": [fields.Command.set(letters.ids)],
                "case_count": len(letters.case_id),
            }
        )
        self.env.ref("collections_mgmt.ir_cron_collection_run_print")._trigger()
        return run.sudo(False)._action_open()

    @api.model
    def _cron_print_letters(self, commit=True):
        """Render the queued batches of letters, one chunk of statements at a time."""
        for run in self.search([("kind", "=", "print"), ("state", "=", "queued")]):
            run._print_letters(commit=commit)

    def _print_letters(self, commit=False):
        self.ensure_one()
        report = self.env.ref("collections_mgmt.action_report_collection_statement")
        letters = self.communication_ids.filtered(lambda c: c.channel == "letter")
        cases = letters.case_id
        self.write(
            {
                "state": "running",
                "date_start": fields.Datetime.now(),
                "case_count": len(cases),
            }
        )
        if not cases:  # the letters were deleted meanwhile
            self._finish_print()
            return
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        try:
            documents = []
            for chunk in split_every(self._get_print_batch_size(), cases.ids):
                content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
                    report, res_ids=list(chunk)
                )
                documents.append(content)
                self.case_done += len(chunk)
                self.env["ir.cron"]._notify_progress(
                    done=self.case_done, remaining=len(cases) - self.case_done
                )
                if commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
            content = documents[0] if len(documents) == 1 else merge_pdf(documents)
        except Exception as error:  # any rendering fault ends the run, logged
            _logger.exception("Collections: printing letters failed")
            if commit:
                self.env.cr.rollback()
            self._fail(str(error))
            return
        printable = letters.filtered(lambda c: c.state in ("queued", "deferred"))
        printable.write({"state": "printed"})
        attachment = self.env["ir.attachment"].create(
            {
                "name": _("Letters %(date)s.pdf", date=fields.Date.today()),
                "raw": content,
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/pdf",
            }
        )
        self.write({"attachment_id": attachment.id, "printed_count": len(printable)})
        self._finish_print()

    def _finish_print(self):
        self.write({"state": "done", "date_end": fields.Datetime.now()})
        self._notify_user_print()

    def _notify_user_print(self):
        for run in self.filtered("user_id"):
            run.user_id.partner_id._bus_send(
                "simple_notification",
                {
                    "title": _("Collections"),
                    "message": _(
                        "%(name)s: the PDF of %(count)s statements is ready.",
                        name=run.display_name,
                        count=run.case_done,
                    ),
                    "type": "success",
                    "sticky": True,
                },
            )


class CollectionDailyRun(models.AbstractModel):
    _inherit = "collection.daily.run"

    @api.model
    def _cron_run(self):
        """A run that crashes is marked failed, not left running."""
        run_ids = []
        try:
            return super(
                CollectionDailyRun, self.with_context(collections_mgmt_run_ids=run_ids)
            )._cron_run()
        except Exception as error:
            self.env.cr.rollback()
            runs = self.env["collection.run"].sudo().browse(run_ids).exists()
            runs.filtered(lambda r: r.state == "running")._fail(str(error))
            self.env.cr.commit()  # pylint: disable=invalid-commit
            raise
