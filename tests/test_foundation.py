"""The module installs, its app is reachable by collectors only, and browser tests run."""

import os
import subprocess

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

MODELS = ["collection.case", "collection.stage", "collection.communication"]


@tagged("post_install", "-at_install")
class TestAccess(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.internal_user = new_test_user(
            cls.env, login="plain_internal", groups="base.group_user"
        )
        cls.collector = new_test_user(
            cls.env,
            login="plain_collector",
            groups="base.group_user,collections_mgmt.group_collections_user",
        )
        cls.root_menu = cls.env.ref("collections_mgmt.collections_menu_root")

    def test_internal_user_sees_no_collections_menu(self):
        visible = (
            self.env["ir.ui.menu"].with_user(self.internal_user)._visible_menu_ids()
        )
        self.assertNotIn(self.root_menu.id, visible)

    def test_collector_sees_collections_menu(self):
        visible = self.env["ir.ui.menu"].with_user(self.collector)._visible_menu_ids()
        self.assertIn(self.root_menu.id, visible)
        self.assertIn(self.env.ref("collections_mgmt.collection_case_menu").id, visible)
        self.assertNotIn(
            self.env.ref("collections_mgmt.collections_menu_config").id, visible
        )

    def test_internal_user_gets_access_error_on_every_model(self):
        for model in MODELS:
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.internal_user).search([])

    def test_collector_reads_stages_but_cannot_change_them(self):
        stages = self.env["collection.stage"].with_user(self.collector).search([])
        self.assertTrue(stages)
        with self.assertRaises(AccessError):
            stages[:1].write({"name": "Renamed"})

    def test_manager_implies_user_and_accounting_admin_implies_manager(self):
        manager = self.env.ref("collections_mgmt.group_collections_manager")
        self.assertIn(
            self.env.ref("collections_mgmt.group_collections_user"), manager.implied_ids
        )
        account_admin = self.env.ref("account.group_account_manager")
        self.assertIn(manager, account_admin.implied_ids)


@tagged("post_install", "-at_install")
class TestTour(HttpCase):
    def test_collector_opens_collections_app(self):
        new_test_user(
            self.env,
            login="tour_collector",
            groups="base.group_user,collections_mgmt.group_collections_user",
        )
        self.start_tour("/odoo", "collections_mgmt_open_app", login="tour_collector")


def test_install_uninstall_reinstall_on_fresh_database():
    """Install, uninstall and reinstall on a copy of a fresh account-only database."""
    conf = os.environ.get("CM_ODOO_CONF")
    base = os.environ.get("CM_BASE_DB")
    assert conf and base, (
        "run through 'make test', which provides CM_ODOO_CONF and CM_BASE_DB"
    )
    odoo_bin = [
        os.environ["CM_PYTHON"],
        os.path.join(os.environ["CM_ODOO_SRC"], "odoo-bin"),
    ]
    db = "cm_test_install"
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    subprocess.run(["createdb", "-T", base, db], check=True)
    common = [
        "-c",
        conf,
        "-d",
        db,
        "--no-http",
        "--stop-after-init",
        "--log-level=warn",
    ]
    try:

        def odoo(*args, stdin=None):
            proc = subprocess.run(
                odoo_bin + list(args),
                input=stdin,
                capture_output=True,
                text=True,
                check=False,
            )
            log = proc.stdout + proc.stderr
            assert proc.returncode == 0, log
            assert " ERROR " not in log and "Traceback" not in log, log
            return log

        odoo(*common, "-i", "collections_mgmt", "--without-demo=all")
        script = (
            "mod = env['ir.module.module'].search([('name', '=', 'collections_mgmt')])\n"
            "mod.button_immediate_uninstall()\n"
            "env.cr.commit()\n"
            "print('STATE', mod.state)\n"
        )
        shell = ["shell", "-c", conf, "-d", db, "--no-http", "--log-level=warn"]
        log = odoo(*shell, stdin=script)
        assert "STATE uninstalled" in log, log
        odoo(*common, "-i", "collections_mgmt", "--without-demo=all")
        domain = "[('model', '=like', 'collection.%')]"
        log = odoo(
            *shell, stdin=f"print('MODELS', env['ir.model'].search_count({domain}))"
        )
        assert "MODELS 0" not in log and "MODELS" in log, log
    finally:
        subprocess.run(["dropdb", "--if-exists", db], check=False)
