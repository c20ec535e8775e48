"""Translations: the .pot follows the code, fr.po is complete, and French is what users see."""

import re
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import polib

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

from .common import TODAY, CollectionsCase

I18N = Path(__file__).resolve().parent.parent / "collections_mgmt" / "i18n"
MODULE = "collections_mgmt"

# What a translation must carry over unchanged from its source.
PLACEHOLDERS = re.compile(
    r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfir]"  # %(name)s, %(value).2f
    r"|%[sdfir]"  # %s
    r"|\{\{.*?\}\}"  # {{ object.name }}
    r"|<[^>]*>",  # HTML tags with their attributes (t-out, t-call, href...)
    re.DOTALL,
)
# French punctuation here: a no-break space before : ; ? ! (see i18n/GLOSSARY.md).
SPACE_BEFORE_PUNCTUATION = re.compile(r" [:;?!](?=\s|$)")


def placeholders(text):
    """The multiset of placeholders of ``text``, tags with their whitespace normalised."""
    return Counter(" ".join(token.split()) for token in PLACEHOLDERS.findall(text))


def entries(pofile):
    return {(e.msgctxt, e.msgid): e for e in pofile if not e.obsolete}


@tagged("post_install", "-at_install")
class TestTranslationFiles(TransactionCase):
    """The files shipped in i18n/: parsable, complete, faithful to the code."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pot = polib.pofile(str(I18N / f"{MODULE}.pot"))
        cls.fr = polib.pofile(str(I18N / "fr.po"))

    def test_french_is_complete(self):
        self.assertGreater(len(self.fr), 100)
        untranslated = [e.msgid for e in self.fr.untranslated_entries()]
        fuzzy = [e.msgid for e in self.fr.fuzzy_entries()]
        obsolete = [e.msgid for e in self.fr.obsolete_entries()]
        self.assertEqual(untranslated, [], "untranslated entries: run make i18n")
        self.assertEqual(fuzzy, [], "fuzzy entries: review them")
        self.assertEqual(obsolete, [], "obsolete entries: run make i18n")

    def test_french_covers_the_template(self):
        missing = entries(self.pot).keys() - entries(self.fr).keys()
        extra = entries(self.fr).keys() - entries(self.pot).keys()
        self.assertFalse(missing, "msgids of the .pot missing in fr.po: run make i18n")
        self.assertFalse(extra, "fr.po has msgids the .pot has not: run make i18n")

    def test_placeholders_and_tags_are_kept(self):
        wrong = {
            e.msgid: (placeholders(e.msgid), placeholders(e.msgstr))
            for e in self.fr
            if e.msgstr and placeholders(e.msgid) != placeholders(e.msgstr)
        }
        self.assertEqual(wrong, {}, "a translation changed a placeholder or a tag")

    def test_no_plain_space_before_french_punctuation(self):
        plain = [
            e.msgstr
            for e in self.fr
            if SPACE_BEFORE_PUNCTUATION.search(PLACEHOLDERS.sub("", e.msgstr))
        ]
        self.assertEqual(plain, [], "use a no-break space before : ; ? !")

    def test_report_file_names_stay_python(self):
        """print_report_name is a Python expression: its translation must compile."""
        names = [
            e
            for e in self.fr
            if any("print_report_name" in occurrence for occurrence, _ in e.occurrences)
        ]
        self.assertTrue(names)
        for entry in names:
            compile(entry.msgstr, entry.msgid, "eval")

    def test_template_is_up_to_date_with_the_code(self):
        """The terms exported now from the installed module are the committed .pot's."""
        started = time.monotonic()
        reader = TranslationModuleReader(self.env.cr, modules=[MODULE])
        # rows: module, type, name, res_id, source, value, comments
        exported = {row[4] for row in reader}
        elapsed = time.monotonic() - started
        committed = {e.msgid for e in self.pot}
        self.assertFalse(
            exported - committed,
            "strings of the module missing in the .pot: run make i18n and translate them",
        )
        self.assertFalse(
            committed - exported,
            "the .pot has strings the module no longer has: make i18n",
        )
        self.assertLess(elapsed, 60, "exporting the module's terms takes over a minute")


@tagged("post_install", "-at_install")
class TestFrenchInUse(CollectionsCase):
    """With French loaded, stages, views, emails and statements speak French."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(
            [MODULE], ["fr_FR"], overwrite=True
        )
        cls.customer = cls._customer("Client Dupont", lang="fr_FR")
        cls.invoice = cls._invoice(cls.customer, 1200.0, TODAY - timedelta(days=20))
        cls.Case._sync_cases(companies=cls.company, partners=cls.customer)
        cls.case = cls.Case.search([("partner_id", "=", cls.customer.id)])

    def test_stage_names_in_french(self):
        stages = self.env["collection.stage"].with_context(lang="fr_FR")
        self.assertEqual(
            stages.env.ref("collections_mgmt.collection_stage_reminder").name, "Relance"
        )
        self.assertEqual(
            stages.env.ref("collections_mgmt.collection_stage_promise").name,
            "Promesse de paiement",
        )
        self.assertEqual(
            self.env.ref("collections_mgmt.collection_stage_reminder").name,
            "Reminder",
            "English stays English",
        )

    def test_case_form_in_french(self):
        views = (
            self.env["collection.case"]
            .with_context(lang="fr_FR")
            .get_views([(False, "form"), (False, "list")])
        )
        fields = views["models"]["collection.case"]["fields"]
        self.assertEqual(fields["amount_overdue"]["string"], "Montant en retard")
        form = views["views"]["form"]["arch"]
        self.assertIn("Envoyer la relance maintenant", form)
        self.assertNotIn("Send Reminder Now", form)

    def test_reminder_email_in_the_customer_language(self):
        template = self.env.ref("collections_mgmt.mail_template_collection_reminder")
        values = template._generate_template(self.case.ids, ("subject", "body_html"))[
            self.case.id
        ]
        self.assertEqual(
            values["subject"], f"{self.company.name}\u00a0: rappel amiable de paiement"
        )
        body = str(values["body_html"])
        self.assertIn("Bonjour Client Dupont", body)
        self.assertIn("Nous vous remercions de bien vouloir les régler", body)
        # the QWeb blocks called by the body: the invoice table and the footer
        self.assertIn("Payer en ligne", body)
        self.assertIn("Total en retard", body)
        self.assertIn("Ne plus recevoir de relances par e-mail", body)
        self.assertIn(self.invoice.name, body)
        self.assertNotIn("Dear", body)

        english = self._customer("Smith Ltd", lang="en_US")
        self._invoice(english, 100.0, TODAY - timedelta(days=20))
        self.Case._sync_cases(companies=self.company, partners=english)
        case_en = self.Case.search([("partner_id", "=", english.id)])
        subject = template._generate_template(case_en.ids, ("subject",))[case_en.id]
        self.assertEqual(
            subject["subject"], f"{self.company.name}: a friendly payment reminder"
        )

    def test_error_message_in_french(self):
        cases = self.Case.with_user(self.collector)
        with self.assertRaisesRegex(
            AccessError, "^Seuls les responsables recouvrement"
        ):
            cases.with_context(lang="fr_FR").action_run_now()
        with self.assertRaisesRegex(AccessError, "^Only collections managers"):
            cases.with_context(lang="en_US").action_run_now()

    def test_statement_report_in_french(self):
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "collections_mgmt.action_report_collection_statement", self.case.ids
            )[0]
            .decode()
        )
        self.assertIn("Relevé de compte", html)
        self.assertIn(self.invoice.name, html)
        self.assertNotIn("Statement of Account", html)
