"""Batch rendering of the reminders (issue 8): the same emails, rendered faster.

With ``collections_mgmt_batch_render`` (the daily run's reminders) a body is compiled
once per rendering call and the amounts and dates are formatted with the language
looked up once: every subject and body must stay byte for byte Odoo's.
"""

from datetime import date, datetime, timedelta
from unittest.mock import patch

from lxml import etree, html

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import format_amount, format_date, mute_logger

from odoo.addons.collections_mgmt.models.mail_render_mixin import CompiledTemplates

from .common import TODAY, CollectionsCase

BATCH = {"collections_mgmt_batch_render": True}


@tagged("post_install", "-at_install")
class TestBatchRender(CollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.usd = cls.company.currency_id
        cls.eur = cls.setup_other_currency("EUR")
        due = TODAY - timedelta(days=20)
        customers = cls.env["res.partner"]
        for name, lang, amounts in (
            ("Amberley", "en_US", [(1000.0, None), (1234567.89, cls.eur)]),
            ("Brasserie", "fr_FR", [(999.995, cls.eur), (1234567.891, None)]),
            ("Corentin", "fr_FR", [(0.01, None), (87654321.5, cls.eur)]),
            ("Dunmore", "en_US", [(42.42, cls.eur)]),
        ):
            customer = cls._customer(name, lang=lang)
            for days, (amount, currency) in enumerate(amounts):
                cls._invoice(
                    customer,
                    amount,
                    due - timedelta(days=days * 31),
                    invoice_date=due - timedelta(days=days * 31 + 30),
                    currency=currency,
                )
            customers |= customer
        cls._pay(
            cls.env["account.move"].search(
                [("partner_id", "=", customers[0].id), ("currency_id", "=", cls.usd.id)]
            ),
            250.0,
        )
        cls.Case._sync_cases(companies=cls.company, partners=customers)
        cls.cases = cls.Case.search([("partner_id", "in", customers.ids)], order="id")
        cls.case_of = {case.partner_id.name: case for case in cls.cases}
        cls.template = cls.env.ref("collections_mgmt.mail_template_collection_reminder")

    def _qweb_compilations(self):
        """A spy on ``ir.qweb._generate_code`` (Odoo's code runs): for each mail
        body (an etree) compiled, whether the batch cache was there and whether
        it was compiled in restricted mode (as Odoo's check of the body does)."""
        IrQweb = type(self.env["ir.qweb"])
        original = IrQweb._generate_code
        compiled = []

        def generate_code(qweb, template):
            if isinstance(template, etree._Element):
                context = qweb.env.context
                compiled.append(
                    (
                        "collections_mgmt_compiled_templates" in context,
                        "raise_on_forbidden_code_for_model" in context,
                    )
                )
            return original(qweb, template)

        return compiled, patch.object(IrQweb, "_generate_code", generate_code)

    def _composer_values(self, template, cases, context):
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="mass_mail",
                default_model="collection.case",
                default_res_ids=cases.ids,
                default_template_id=template.id,
                **context,
            )
            .create({"force_send": False})
        )
        values = composer._prepare_mail_values(cases.ids)
        return {
            case_id: (vals["subject"], str(vals["body_html"]))
            for case_id, vals in values.items()
        }

    def test_reminders_identical_with_and_without_batch(self):
        self.assertEqual((self.usd.position, self.eur.position), ("before", "after"))
        self.assertEqual(
            set(self.cases.reminder_partner_id.mapped("lang")), {"en_US", "fr_FR"}
        )
        self.assertEqual(len(self.cases.overdue_invoice_ids.currency_id), 2)
        for xmlid in (
            "mail_template_collection_reminder",
            "mail_template_collection_reminder_firm",
            "mail_template_collection_final_notice",
        ):
            with self.subTest(template=xmlid):
                template = self.env.ref(f"collections_mgmt.{xmlid}")
                odoo = self._composer_values(template, self.cases, {})
                batch = self._composer_values(template, self.cases, BATCH)
                self.assertEqual(batch, odoo)
                # the bodies did go through the formatters, in each language
                brasserie = batch[self.case_of["Brasserie"].id][1]
                self.assertIn("567,89", brasserie)
                self.assertIn("\N{NO-BREAK SPACE}€", brasserie)
                self.assertIn("11/05/2026", brasserie)  # 11 May, dd/mm/yyyy
                amberley = batch[self.case_of["Amberley"].id][1]
                self.assertIn("$\N{NO-BREAK SPACE}750.00", amberley)
                self.assertIn("05/11/2026", amberley)  # 11 May, mm/dd/yyyy

    def test_generated_template_identical_with_and_without_batch(self):
        fields = ["subject", "body_html", "email_from", "partner_to", "lang"]
        odoo = self.template._generate_template(self.cases.ids, fields)
        batch = self.template.with_context(**BATCH)._generate_template(
            self.cases.ids, fields
        )
        self.assertEqual(batch, odoo)
        self.assertEqual(
            {values["lang"] for values in batch.values()}, {"en_US", "fr_FR"}
        )

    def test_formatting_of_amounts_and_dates_identical(self):
        """Negative, zero, large, rounded amounts; dates, datetimes and strings."""
        source = """<div>
            <p t-out="format_amount(-object.amount_overdue, object.currency_id)"/>
            <p t-out="format_amount(0.0, object.currency_id, 'fr_FR')"/>
            <p t-out="format_amount(-0.001, object.currency_id)"/>
            <p t-out="format_amount(123456789012.345, object.currency_id, 'en_US')"/>
            <t t-foreach="object.overdue_invoice_ids" t-as="invoice">
                <p t-out="format_amount(-invoice.amount_residual, invoice.currency_id)"/>
                <p t-out="format_date(invoice.invoice_date_due, 'MMMM y')"/>
                <p t-out="format_date(invoice.invoice_date, False, 'fr_FR')"/>
            </t>
            <p t-out="format_date(object.create_date)"/>
            <p t-out="format_date('2026-02-28')"/>
            <p t-out="format_date('2026-02-28 23:30:00')"/>
            <p t-out="format_date(False)"/>
        </div>"""
        Mixin = self.env["mail.render.mixin"]
        for lang in ("en_US", "fr_FR"):
            with self.subTest(lang=lang):
                odoo = Mixin.with_context(lang=lang)._render_template_qweb(
                    source, "collection.case", self.cases.ids
                )
                batch = Mixin.with_context(lang=lang, **BATCH)._render_template_qweb(
                    source, "collection.case", self.cases.ids
                )
                self.assertEqual(batch, odoo)
                self.assertIn("-\N{ZERO WIDTH NO-BREAK SPACE}", batch[self.cases[0].id])

    def test_formatters_equal_odoo_ones(self):
        jpy = self.setup_other_currency("JPY")
        amounts = [
            0,
            0.0,
            -0.0,
            0.005,
            -0.004,
            1.005,
            2.675,
            -1234.565,
            999999.995,
            1234567.891,
            -98765432.1,
            1e12 + 0.5,
        ]
        values = [
            date(2026, 6, 30),
            date(1999, 12, 31),
            datetime(2026, 6, 30, 23, 30),
            "2026-06-30",
            "2026-06-30 23:30:00",
            "2026-06",
            False,
            None,
            "",
        ]
        for lang in ("en_US", "fr_FR"):
            Mixin = self.env["mail.render.mixin"].with_context(lang=lang)
            odoo = Mixin._render_eval_context()
            batch = Mixin.with_context(**BATCH)._render_eval_context()
            self.assertIsNot(batch["format_amount"], odoo["format_amount"])
            for currency in (self.usd, self.eur, jpy):
                for lang_code in (False, "en_US", "fr_FR"):
                    for amount in amounts:
                        expected = format_amount(Mixin.env, amount, currency, lang_code)
                        self.assertEqual(
                            odoo["format_amount"](amount, currency, lang_code), expected
                        )
                        self.assertEqual(
                            batch["format_amount"](amount, currency, lang_code),
                            expected,
                            (lang, currency.name, lang_code, amount),
                        )
            for value in values * 2:  # the second time from the memo
                for date_format in (False, "dd MMM yyyy"):
                    for lang_code in (False, "en_US", "fr_FR"):
                        expected = format_date(
                            Mixin.env,
                            value,
                            lang_code=lang_code,
                            date_format=date_format,
                        )
                        self.assertEqual(
                            odoo["format_date"](value, date_format, lang_code), expected
                        )
                        self.assertEqual(
                            batch["format_date"](value, date_format, lang_code),
                            expected,
                            (lang, value, date_format, lang_code),
                        )

    def test_body_compiled_once_per_call(self):
        cases = self.cases.filtered(lambda c: c.reminder_partner_id.lang == "fr_FR")
        self.assertEqual(len(cases), 2)
        source = self.template.body_html
        Mixin = self.env["mail.render.mixin"]
        compiled, spy = self._qweb_compilations()
        with spy:
            odoo = Mixin._render_template_qweb(source, "collection.case", cases.ids)
        # Odoo's check that the body needs QWeb, then one compilation per record
        self.assertEqual(compiled, [(False, True), (False, False), (False, False)])
        compiled, spy = self._qweb_compilations()
        with spy:
            batch = Mixin.with_context(**BATCH)._render_template_qweb(
                source, "collection.case", cases.ids
            )
        self.assertEqual(compiled, [(False, True), (True, False)])
        self.assertEqual(batch, odoo)
        # the composer of the daily run: one compilation per language
        compiled, spy = self._qweb_compilations()
        with spy:
            self._composer_values(self.template, self.cases, BATCH)
        self.assertEqual(compiled.count((True, False)), 2)
        self.assertNotIn((False, False), compiled)

    def test_batch_compilation_leaves_the_body_intact(self):
        """Compiling consumes an etree's QWeb attributes: the batch compiles a copy,
        once per cache key (here the language)."""
        case = self.case_of["Amberley"]
        body = html.fragment_fromstring(
            '<p t-out="object.partner_id.name"/>', create_parent="div"
        )
        compiled = CompiledTemplates()
        qweb = self.env["ir.qweb"].with_context(
            collections_mgmt_compiled_templates=compiled
        )
        for lang in ("en_US", "fr_FR", "en_US"):
            rendered = qweb.with_context(lang=lang)._render(body, {"object": case})
            self.assertEqual(str(rendered), "<div><p>Amberley</p></div>")
        self.assertEqual(len(compiled.by_key), 2)
        self.assertEqual(body[0].get("t-out"), "object.partner_id.name")

    def test_restricted_rendering_keeps_odoo_path(self):
        self.env["ir.config_parameter"].set_param(
            "mail.restrict.template.rendering", True
        )
        user = new_test_user(
            self.env,
            login="restricted_renderer",
            groups="base.group_user,collections_mgmt.group_collections_user",
            company_id=self.company.id,
        )
        user.groups_id -= self.env.ref("mail.group_mail_template_editor")
        self.assertFalse(user.has_group("mail.group_mail_template_editor"))
        Mixin = self.env["mail.render.mixin"].with_user(user).with_context(**BATCH)
        case_ids = self.cases.ids
        compiled, spy = self._qweb_compilations()
        with spy, self.assertRaisesRegex(AccessError, "Only members of"):
            Mixin._render_template_qweb(
                self.template.body_html, "collection.case", case_ids
            )
        # Odoo's path: the body compiled in restricted mode, never in the batch
        self.assertTrue(compiled)
        self.assertEqual(set(compiled), {(False, True)})
        # what a restricted user may render still renders, without the QWeb engine
        static = "<p>Hello <t t-out='object.name'/></p>"
        self.assertEqual(
            Mixin._render_template_qweb(static, "collection.case", case_ids),
            self.env["mail.render.mixin"]
            .with_user(user)
            ._render_template_qweb(static, "collection.case", case_ids),
        )
        self.assertEqual(set(compiled), {(False, True)})

    @mute_logger(
        "odoo.addons.mail.models.mail_render_mixin",
        "odoo.addons.collections_mgmt.models.mail_render_mixin",
    )
    def test_failing_template_raises_odoo_user_error(self):
        # fails for the second case only: the first one is rendered in the batch
        source = (
            f'<p t-out="100 / (object.id - {self.cases[1].id})"/>'
            '<p t-out="object.partner_id.name"/>'
        )
        Mixin = self.env["mail.render.mixin"]
        for context in ({}, BATCH):
            with self.subTest(batch=bool(context)):
                with self.assertRaises(UserError) as caught:
                    Mixin.with_context(**context)._render_template_qweb(
                        source, "collection.case", self.cases.ids
                    )
                self.assertIn("Failed to render QWeb template", str(caught.exception))
                self.assertIn(source, str(caught.exception))
                self.assertIn("ZeroDivisionError", str(caught.exception))
