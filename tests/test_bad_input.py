"""Invalid operations get a clear error and change nothing, through the ORM and JSON-RPC.

The table is data (tests/bad_input_cases.py) and documentation (docs/bad-input.md):
each case runs as the user who would really try it, once calling the model's method,
once as a web client does (``/web/dataset/call_kw``) and once as an external client
does (``/jsonrpc`` ``execute_kw``). The touched tables are snapshotted before and
after.
"""

import json
import re
from pathlib import Path

import psycopg2

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tests import HttpCase, get_db_name, tagged
from odoo.tools import SQL

from .bad_input_cases import CASES, PORTAL_CASES
from .common_hardening import HardeningCase, docs_table_rows

DOCS = Path(__file__).resolve().parent.parent / "docs" / "bad-input.md"
ERRORS = {
    "ValueError": ValueError,
    "TypeError": TypeError,
    "ValidationError": ValidationError,
    "UserError": UserError,
    "AccessError": AccessError,
    "MissingError": MissingError,
    "IntegrityError": psycopg2.IntegrityError,
}
# every row of these tables, hashed: a change anywhere shows
SNAPSHOT_TABLES = [
    "collection_case",
    "collection_stage",
    "collection_communication",
    "collection_payment_plan",
    "collection_payment_plan_line",
    "collection_payment_plan_invoice_rel",
    "collection_promise",
    "collection_goal",
    "res_company",
    "res_partner",
    "account_move",
]
# only counted (their rows hold volatile data)
COUNTED_TABLES = ["mail_message", "mail_mail", "mail_activity"]


class _AsUser:
    """The test's fixtures, with ``env`` of the user who tries the operation."""

    def __init__(self, test, env):
        self._test = test
        self.env = env
        self.prepared = None

    def __getattr__(self, name):
        return getattr(self._test, name)


@tagged("post_install", "-at_install")
class TestBadInput(HardeningCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls._portal_user(
            "hardening_portal", "Sam Submit", cls.submit_customer
        )
        cls.users = {
            "collector": cls.collector,
            "manager": cls.collections_manager,
            "admin": cls.admin_user,
        }

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------

    def _snapshot(self):
        self.env.flush_all()
        cr = self.env.cr
        snapshot = {}
        for table in SNAPSHOT_TABLES:
            cr.execute(
                SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY"
                    " t::text), '')) FROM %s t",
                    SQL.identifier(table),
                )
            )
            snapshot[table] = cr.fetchone()
        for table in COUNTED_TABLES:
            cr.execute(SQL("SELECT count(*) FROM %s", SQL.identifier(table)))
            snapshot[table] = cr.fetchone()
        return snapshot

    def _prepare(self, case, user):
        fixtures = _AsUser(self, self.env(user=user))
        if case.prepare:
            fixtures.prepared = case.prepare(fixtures)
            self.env.flush_all()
        return fixtures, case.call(fixtures)

    def _check_error(self, case, name, message, path):
        expected = case.error if path == "orm" or not case.rpc_error else case.rpc_error
        pattern = case.match if path == "orm" or not case.rpc_match else case.rpc_match
        problems = []
        if name != expected:
            problems.append(f"{name} instead of {expected}")
        if not re.search(pattern, message or "", re.IGNORECASE):
            problems.append(f"message {message[:300]!r} does not match {pattern!r}")
        return [f"{case.key} ({path}): {p}" for p in problems]

    def _run_orm(self, case):
        user = self.users[case.role]
        fixtures, (model, method, ids, args, kwargs) = self._prepare(case, user)
        before = self._snapshot()
        error = None
        # rolled back as Odoo does for a failed request (and when accepted too)
        savepoint = self.env.cr.savepoint()
        try:
            records = fixtures.env[model]
            if ids is not None:
                records = records.browse(ids)
            getattr(records, method)(*args, **kwargs)
            fixtures.env.flush_all()
        except Exception as caught:  # the table says which error
            error = caught
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all(flush=False)
        if error is None:
            return [f"{case.key} (orm): accepted"]
        name = type(error).__name__
        if case.error == "IntegrityError" and isinstance(
            error, psycopg2.IntegrityError
        ):
            name = "IntegrityError"
        problems = self._check_error(case, name, str(error), "orm")
        if self._snapshot() != before:
            problems.append(f"{case.key} (orm): the database changed")
        return problems

    def _rpc(self, route, params):
        response = self.url_open(
            route,
            data=json.dumps(
                {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
            ),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        return response.json()

    def _run_rpc(self, case, via):
        user = self.users[case.role]
        _fixtures, (model, method, ids, args, kwargs) = self._prepare(case, user)
        args = ([ids] if ids is not None else []) + list(args)
        context = {
            "lang": "en_US",
            "tz": "UTC",
            "allowed_company_ids": user.company_ids.ids,
        }
        kwargs = dict(kwargs, context=context)
        before = self._snapshot()
        if via == "call_kw":
            self.authenticate(user.login, user.login)
            answer = self._rpc(
                f"/web/dataset/call_kw/{model}/{method}",
                {"model": model, "method": method, "args": args, "kwargs": kwargs},
            )
        else:
            answer = self._rpc(
                "/jsonrpc",
                {
                    "service": "object",
                    "method": "execute_kw",
                    "args": [
                        get_db_name(),
                        user.id,
                        user.login,
                        model,
                        method,
                        args,
                        kwargs,
                    ],
                },
            )
        self.env.invalidate_all()
        if "error" not in answer:
            return [f"{case.key} ({via}): accepted, answer {str(answer)[:200]}"]
        data = answer["error"]["data"]
        problems = self._check_error(
            case, data["name"].rsplit(".", 1)[-1], data["message"], via
        )
        if self._snapshot() != before:
            problems.append(f"{case.key} ({via}): the database changed")
        return problems

    # ------------------------------------------------------------------
    # tests
    # ------------------------------------------------------------------

    def test_table_has_at_least_30_distinct_cases(self):
        keys = [case.key for case in CASES + PORTAL_CASES]
        self.assertGreaterEqual(len(CASES), 30)
        self.assertEqual(len(keys), len(set(keys)))

    def test_bad_input_through_the_orm(self):
        problems = []
        for case in CASES:
            problems += self._run_orm(case)
        self.assertFalse(problems, "\n".join(problems))

    def test_bad_input_through_call_kw(self):
        problems = []
        for case in CASES:
            problems += self._run_rpc(case, "call_kw")
        self.assertFalse(problems, "\n".join(problems))

    def test_bad_input_through_jsonrpc_execute_kw(self):
        problems = []
        for case in CASES:
            problems += self._run_rpc(case, "execute_kw")
        self.assertFalse(problems, "\n".join(problems))

    def test_portal_accept_twice_keeps_the_first_acceptance(self):
        self.authenticate("hardening_portal", "hardening_portal")
        url = f"/my/payment_plans/{self.plan_to_approve.id}/accept"
        token = http.Request.csrf_token(self)
        self.url_open(url, data={"csrf_token": token})
        self.env.invalidate_all()
        accepted = self.plan_to_approve.accepted_date
        self.assertTrue(accepted)
        before = self._snapshot()
        response = self.url_open(url, data={"csrf_token": token})
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self.plan_to_approve.accepted_date, accepted)
        self.assertEqual(self._snapshot(), before)

    def test_portal_accept_other_customers_plan(self):
        self.authenticate("hardening_portal", "hardening_portal")
        before = self._snapshot()
        response = self.url_open(
            f"/my/payment_plans/{self.plan_active.id}/accept",
            data={"csrf_token": http.Request.csrf_token(self)},
        )
        self.assertTrue(response.url.endswith("/my"), response.url)
        self.env.invalidate_all()
        self.assertFalse(self.plan_active.accepted_date)
        self.assertEqual(self._snapshot(), before)

    def test_docs_table_lists_every_case(self):
        rows = docs_table_rows(DOCS)
        expected = [
            [
                str(index),
                case.operation,
                case.role,
                case.input,
                case.rpc_error
                and (f"{case.error} (ORM), {case.rpc_error} (JSON-RPC)")
                or case.error,
            ]
            for index, case in enumerate(CASES + PORTAL_CASES, start=1)
        ]
        self.assertEqual([row[:5] for row in rows], expected)
