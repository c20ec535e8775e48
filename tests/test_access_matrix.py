"""Who may do what: every model and button of the module against five roles.

``MATRIX`` is the expected outcome, one row per model operation or button, one
letter per role in ``ROLES`` order: ``Y`` allowed, ``n`` refused with an
AccessError. Every cell is tried for real (in a savepoint) as that role's user on
records of company A. docs/access-matrix.md shows the same table (a test keeps both
in step). The record rules and the portal pages are checked after.
"""

from datetime import date, timedelta
from pathlib import Path

from odoo import Command, http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from odoo.addons.base.models.ir_qweb import QWebException

from .common_hardening import HardeningCase, docs_table_rows

DOCS = Path(__file__).resolve().parent.parent / "docs" / "access-matrix.md"
ROLES = ["portal", "internal", "collector", "manager", "collector_b"]
ROLE_TITLES = {
    "portal": "portal user",
    "internal": "internal user",
    "collector": "collector",
    "manager": "manager",
    "collector_b": "collector of company B",
}
# subject, operation, expected (portal, internal, collector, manager, collector B)
MATRIX = [
    ("collection.case", "read", "nnYYn"),
    ("collection.case", "write", "nnYYn"),
    ("collection.case", "create", "nnYYn"),
    ("collection.case", "unlink", "nnnYn"),
    ("collection.stage", "read", "nnYYn"),
    ("collection.stage", "write", "nnnYn"),
    ("collection.stage", "create", "nnnYn"),
    ("collection.stage", "unlink", "nnnYn"),
    ("collection.communication", "read", "nnYYn"),
    ("collection.communication", "write", "nnYYn"),
    ("collection.communication", "create", "nnYYn"),
    ("collection.communication", "unlink", "nnnYn"),
    ("collection.payment.plan", "read", "nnYYn"),
    ("collection.payment.plan", "write", "nnYYn"),
    ("collection.payment.plan", "create", "nnYYn"),
    ("collection.payment.plan", "unlink", "nnnYn"),
    ("collection.payment.plan.line", "read", "nnYYn"),
    ("collection.payment.plan.line", "write", "nnYYn"),
    ("collection.payment.plan.line", "create", "nnYYn"),
    ("collection.payment.plan.line", "unlink", "nnYYn"),
    ("collection.promise", "read", "nnYYn"),
    ("collection.promise", "write", "nnYYn"),
    ("collection.promise", "create", "nnYYn"),
    ("collection.promise", "unlink", "nnnYn"),
    ("collection.goal", "read", "nnYYn"),
    ("collection.goal", "write", "nnnYn"),
    ("collection.goal", "create", "nnnYn"),
    ("collection.goal", "unlink", "nnnYn"),
    ("collection.goal.snapshot", "read", "nnYYn"),
    ("collection.goal.snapshot", "write", "nnnYn"),
    ("collection.goal.snapshot", "create", "nnnYn"),
    ("collection.goal.snapshot", "unlink", "nnnYn"),
    ("collection.report.aging", "read", "nnYYn"),
    ("collection.report.aging", "write", "nnnnn"),
    ("collection.report.aging", "create", "nnnnn"),
    ("collection.report.aging", "unlink", "nnnnn"),
    ("collection.dashboard", "read", "nnYYn"),
    ("collection.dashboard", "write", "nnYYn"),
    ("collection.dashboard", "create", "nnYYn"),
    ("collection.dashboard", "unlink", "nnnnn"),
    ("collection.case.log.call", "read", "nnYnn"),
    ("collection.case.log.call", "write", "nnYnn"),
    ("collection.case.log.call", "create", "nnYYn"),
    ("collection.case.log.call", "unlink", "nnYnn"),
    ("collection.payment.plan.reject", "read", "nnnYn"),
    ("collection.payment.plan.reject", "write", "nnnYn"),
    ("collection.payment.plan.reject", "create", "nnnYn"),
    ("collection.payment.plan.reject", "unlink", "nnnnn"),
    ("collection.case.invoice", "read", "nnYYn"),
    ("collection.case.invoice", "write", "nnnnn"),
    ("collection.case.invoice", "create", "nnnnn"),
    ("collection.case.invoice", "unlink", "nnnnn"),
    ("collection.run", "read", "nnYYn"),
    ("collection.run", "write", "nnnYn"),
    ("collection.run", "create", "nnnYn"),
    ("collection.run", "unlink", "nnnnn"),
    ("case: Log a Call (log the call)", "button", "nnYYn"),
    ("case: Refresh", "button", "nnYYn"),
    ("case: Print Statement (render)", "button", "nnYYn"),
    ("case: Recompute Scores", "button", "nnnYn"),
    ("case: Run Now (daily run)", "button", "nnnYn"),
    ("communication: Print Letters", "button", "nnYYn"),
    ("plan: Submit", "button", "nnYYn"),
    ("plan: Activate", "button", "nnYYn"),
    ("plan: Approve", "button", "nnnYn"),
    ("plan: Reject (wizard)", "button", "nnnYn"),
    ("plan: Cancel", "button", "nnYYn"),
    ("plan: Reset to Draft", "button", "nnYYn"),
    ("plan: Compute Schedule", "button", "nnYYn"),
    ("promise: Cancel", "button", "nnYYn"),
    ("goal: Refresh", "button", "nnnYn"),
    ("dashboard: Open", "button", "nnYYY"),
]


def _crud(model, record, write_vals, create_vals, unlink_record=None):
    """The four operations of ``model`` on the fixture records named."""

    def read(t, env):
        env[model].browse(getattr(t, record).ids).read(["display_name"])

    def write(t, env):
        env[model].browse(getattr(t, record).ids).write(write_vals(t))

    def create(t, env):
        env[model].create(create_vals(t))

    def unlink(t, env):
        env[model].browse(getattr(t, unlink_record or record).ids).unlink()

    return {
        (model, "read"): read,
        (model, "write"): write,
        (model, "create"): create,
        (model, "unlink"): unlink,
    }


def _soon(days=7):
    return date.today() + timedelta(days=days)


def _button(record, method, *args):
    def run(t, env):
        getattr(getattr(t, record).with_env(env), method)(*args)

    return run


def _log_call(t, env):
    wizard = env["collection.case.log.call"].create(
        {"case_id": t.case.id, "outcome": "reached"}
    )
    wizard.action_log()


def _reject(t, env):
    wizard = env["collection.payment.plan.reject"].create(
        {"plan_id": t.plan_to_approve.id, "reason": "Too long"}
    )
    wizard.action_reject()


def _render_statement(t, env):
    env["ir.actions.report"]._render_qweb_html(
        "collections_mgmt.action_report_collection_statement", t.case.ids
    )


def _open_dashboard(t, env):
    env["collection.dashboard"].action_open_dashboard()


OPERATIONS = {
    **_crud(
        "collection.case",
        "matrix_case",
        lambda t: {"next_action_date": _soon()},
        lambda t: {"partner_id": t.matrix_partner.id, "company_id": t.company.id},
    ),
    **_crud(
        "collection.stage",
        "matrix_stage",
        lambda t: {"fold": True},
        lambda t: {"name": "Matrix stage", "kind": "manual"},
    ),
    **_crud(
        "collection.communication",
        "matrix_communication",
        lambda t: {"note": "Checked"},
        lambda t: {
            "case_id": t.matrix_case.id,
            "channel": "phone",
            "origin": "manual",
            "state": "done",
        },
    ),
    **_crud(
        "collection.payment.plan",
        "plan_draft",
        lambda t: {"grace_days": 4},
        lambda t: {
            "case_id": t.case.id,
            "invoice_ids": [Command.set(t.invoice_a.ids)],
            "date_first_due": _soon(),
        },
    ),
    **_crud(
        "collection.payment.plan.line",
        "matrix_line",
        lambda t: {"date_due": _soon(9)},
        lambda t: {"plan_id": t.plan_draft.id, "date_due": _soon(), "amount": 1.0},
    ),
    **_crud(
        "collection.promise",
        "matrix_promise",
        lambda t: {"note": "Confirmed by email"},
        lambda t: {"case_id": t.matrix_case.id, "date": _soon(), "amount": 10.0},
    ),
    **_crud(
        "collection.goal",
        "matrix_goal",
        lambda t: {"target_value": 35.0},
        lambda t: {
            "name": "CEI up",
            "metric": "cei",
            "target_value": 80.0,
            "date_deadline": _soon(60),
        },
    ),
    **_crud(
        "collection.goal.snapshot",
        "matrix_snapshot",
        lambda t: {"value": 1.0},
        lambda t: {"goal_id": t.matrix_goal.id, "date": _soon(-30), "value": 1.0},
    ),
    **_crud(
        "collection.report.aging",
        "matrix_aging",
        lambda t: {"amount_residual": 1.0},
        lambda t: {"move_id": t.invoice_a.id},
    ),
    **_crud(
        "collection.dashboard",
        "matrix_dashboard",
        lambda t: {"date_from": _soon(-60)},
        lambda t: {"company_id": t.company.id},
    ),
    **_crud(
        "collection.case.log.call",
        "matrix_log_call",
        lambda t: {"outcome": "no_answer"},
        lambda t: {"case_id": t.case.id, "outcome": "reached"},
    ),
    **_crud(
        "collection.payment.plan.reject",
        "matrix_reject",
        lambda t: {"reason": "Another reason"},
        lambda t: {"plan_id": t.plan_to_approve.id, "reason": "No"},
    ),
    **_crud(
        "collection.case.invoice",
        "matrix_case_invoice",
        lambda t: {"reminder_count": 3},
        lambda t: {"move_id": t.invoice_a.id, "case_id": t.matrix_case.id},
    ),
    **_crud(
        "collection.run",
        "matrix_run",
        lambda t: {"case_count": 5},
        lambda t: {"kind": "daily", "company_ids": [Command.set(t.company.ids)]},
    ),
    ("case: Log a Call (log the call)", "button"): _log_call,
    ("case: Refresh", "button"): _button("case", "action_refresh"),
    ("case: Print Statement (render)", "button"): _render_statement,
    ("case: Recompute Scores", "button"): _button(
        "case", "action_recompute_priority_scores"
    ),
    ("case: Run Now (daily run)", "button"): _button("case", "action_run_now"),
    ("communication: Print Letters", "button"): _button(
        "matrix_communication", "action_print_letters"
    ),
    ("plan: Submit", "button"): _button("plan_draft", "action_submit"),
    ("plan: Activate", "button"): _button("plan_draft", "action_activate"),
    ("plan: Approve", "button"): _button("plan_to_approve", "action_approve"),
    ("plan: Reject (wizard)", "button"): _reject,
    ("plan: Cancel", "button"): _button("plan_draft", "action_cancel"),
    ("plan: Reset to Draft", "button"): _button("plan_cancelled", "action_draft"),
    ("plan: Compute Schedule", "button"): _button(
        "plan_draft", "action_generate_schedule"
    ),
    ("promise: Cancel", "button"): _button("matrix_promise", "action_cancel"),
    ("goal: Refresh", "button"): _button("matrix_goal", "action_refresh"),
    ("dashboard: Open", "button"): _open_dashboard,
}


@tagged("post_install", "-at_install")
class TestAccessMatrix(HardeningCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls._portal_user(
            "matrix_portal", "Pia Portal", cls.submit_customer
        )
        cls.users = {
            "portal": cls.portal_user,
            "internal": cls.internal_user,
            "collector": cls.collector,
            "manager": cls.collections_manager,
            "collector_b": cls.collector_b,
        }
        cls.matrix_partner = cls._customer("Matrix New")
        _partner, cls.matrix_case = cls._debtor("Matrix Debtor", 180.0)
        cls.matrix_stage = cls.Stage.create(
            {"name": "Matrix A only", "kind": "manual", "company_id": cls.company.id}
        )
        cls.matrix_communication = cls.env["collection.communication"].create(
            {
                "case_id": cls.matrix_case.id,
                "channel": "letter",
                "origin": "manual",
                "state": "queued",
            }
        )
        cls.matrix_line = cls.plan_draft.line_ids[:1]
        cls.matrix_promise = cls.matrix_case._create_promise(cls.soon, 50.0)
        cls.matrix_goal = cls.env["collection.goal"].create(
            {"name": "DSO down", "target_value": 30.0, "date_deadline": _soon(90)}
        )
        cls.matrix_snapshot = cls.env["collection.goal.snapshot"].create(
            {"goal_id": cls.matrix_goal.id, "date": _soon(-10), "value": 2.0}
        )
        cls.matrix_aging = cls.env["collection.report.aging"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.matrix_dashboard = cls.env["collection.dashboard"].create({})
        cls.matrix_case_invoice = cls.matrix_case.invoice_link_ids[:1]
        cls.matrix_run = cls.env["collection.run"].create(
            {"kind": "daily", "company_ids": [Command.set(cls.company.ids)]}
        )
        # a wizard is its creator's: the collector's call, the manager's rejection
        cls.matrix_log_call = (
            cls.env["collection.case.log.call"]
            .with_user(cls.collector)
            .create({"case_id": cls.case.id, "outcome": "reached"})
        )
        cls.matrix_reject = (
            cls.env["collection.payment.plan.reject"]
            .with_user(cls.collections_manager)
            .create({"plan_id": cls.plan_to_approve.id, "reason": "Not now"})
        )

    def _try_as(self, operation, user):
        """``Y`` when ``user`` may run ``operation``, ``n`` on an AccessError; undone."""
        self.env.invalidate_all()
        env = self.env(user=user, context={"allowed_company_ids": user.company_ids.ids})
        savepoint = self.env.cr.savepoint()
        try:
            operation(self, env)
            env.flush_all()
        except AccessError:
            return "n"
        except QWebException as error:
            # a report refused while rendering: the AccessError is the cause
            if isinstance(error.__cause__ or error.__context__, AccessError):
                return "n"
            return f"QWebException: {str(error)[:200]}"
        except Exception as error:  # reported as a wrong cell
            return f"{type(error).__name__}: {str(error)[:200]}"
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all(flush=False)
        return "Y"

    def test_matrix(self):
        self.assertTrue(self.matrix_aging, "the aging report has a row of company A")
        problems = []
        for subject, action, expected in MATRIX:
            operation = OPERATIONS[(subject, action)]
            for role, want in zip(ROLES, expected, strict=True):
                got = self._try_as(operation, self.users[role])
                if got != want:
                    problems.append(
                        f"{subject} {action} as {role}: {got}, expected {want}"
                    )
        self.assertFalse(problems, "\n".join(problems))

    def test_matrix_covers_every_model_of_the_access_file(self):
        access = Path(__file__).resolve().parent.parent / (
            "collections_mgmt/security/ir.model.access.csv"
        )
        models = {
            line.split(",")[2].removeprefix("model_").replace("_", ".")
            for line in access.read_text().splitlines()[1:]
            if line.strip()
        }
        covered = {subject.replace("_", ".") for subject, _action, _e in MATRIX}
        self.assertFalse(models - covered, "models without rows in the matrix")

    def test_other_company_collector_sees_nothing_of_company_a(self):
        for model, record in [
            ("collection.case", self.case),
            ("collection.stage", self.matrix_stage),
            ("collection.communication", self.matrix_communication),
            ("collection.payment.plan", self.plan_active),
            ("collection.payment.plan.line", self.matrix_line),
            ("collection.promise", self.matrix_promise),
            ("collection.goal", self.matrix_goal),
            ("collection.goal.snapshot", self.matrix_snapshot),
            ("collection.report.aging", self.matrix_aging),
        ]:
            with self.subTest(model=model):
                Model = self.env[model].with_user(self.collector_b)
                found = Model.search([("company_id", "=", self.company.id)])
                self.assertFalse(found)
                self.env.invalidate_all()
                with self.assertRaises(AccessError):
                    Model.browse(record.ids).read(["display_name"])
        # company B's own case is theirs
        cases = self.env["collection.case"].with_user(self.collector_b).search([])
        self.assertEqual(cases, self.case_b)

    def test_portal_sees_only_own_plans(self):
        Plan = self.env["collection.payment.plan"].with_user(self.portal_user)
        self.assertEqual(Plan.search([]), self.plan_to_approve)
        lines = self.env["collection.payment.plan.line"].with_user(self.portal_user)
        self.assertEqual(lines.search([]).plan_id, self.plan_to_approve)
        self.authenticate("matrix_portal", "matrix_portal")
        own = self.url_open(f"/my/payment_plans/{self.plan_to_approve.id}")
        self.assertEqual(own.status_code, 200)
        self.assertIn(self.plan_to_approve.name, own.text)
        listing = self.url_open("/my/payment_plans")
        for other in (
            self.plan_active,
            self.plan_own,
            self.plan_broken,
            self.plan_draft,
        ):
            self.assertNotIn(other.name, listing.text)
            page = self.url_open(f"/my/payment_plans/{other.id}")
            self.assertTrue(page.url.endswith("/my"), page.url)
            self.assertNotIn(other.name, page.text)
        # a plan id that does not exist, and another customer's plan with a wrong token
        missing = self.url_open("/my/payment_plans/999999999")
        self.assertTrue(missing.url.endswith("/my"), missing.url)
        forged = self.url_open(
            f"/my/payment_plans/{self.plan_active.id}?access_token=forged"
        )
        self.assertTrue(forged.url.endswith("/my"), forged.url)

    def test_portal_cannot_reach_other_customers_statement_or_invoice(self):
        self.authenticate("matrix_portal", "matrix_portal")
        invoice = self.url_open(f"/my/invoices/{self.invoice_a.id}")
        self.assertNotIn(self.invoice_a.name, invoice.text)
        self.assertTrue(invoice.url.endswith("/my"), invoice.url)
        report = "collections_mgmt.report_collection_statement"
        statement = self.url_open(f"/report/html/{report}/{self.case.id}")
        self.assertIn(statement.status_code, (403, 404, 500))
        self.assertNotIn(self.customer.name, statement.text)
        pdf = self.url_open(f"/report/pdf/{report}/{self.case.id}")
        self.assertNotEqual(pdf.headers.get("Content-Type"), "application/pdf")
        # nor through the ORM
        with self.assertRaises(AccessError):
            self.case.with_user(self.portal_user).read(["amount_overdue"])

    def test_portal_accept_needs_own_plan(self):
        self.authenticate("matrix_portal", "matrix_portal")
        response = self.url_open(
            f"/my/payment_plans/{self.plan_active.id}/accept",
            data={"csrf_token": http.Request.csrf_token(self)},
        )
        self.assertTrue(response.url.endswith("/my"), response.url)
        self.assertFalse(self.plan_active.accepted_date)

    def test_docs_table_matches_the_matrix(self):
        letters = {"Y": "yes", "n": "no"}
        expected = [
            [subject, action, *(letters[c] for c in cells)]
            for subject, action, cells in MATRIX
        ]
        self.assertEqual(docs_table_rows(DOCS), expected)
