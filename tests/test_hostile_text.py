"""Hostile text (HTML, JavaScript, template syntax) is shown escaped and never run.

A customer named with it, and the same text in every free-text field a collector or
manager fills (do-not-contact reason, call note, promise note, rejection reason):
the emails, the statement, the portal page and the chatter show it as text, and
the case form in Chromium neither runs a script nor renders an element from it.
"""

import re
from datetime import date, timedelta

from odoo.tests import HttpCase, new_test_user, tagged

from .common_payment_plan import PaymentPlanCase

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> {{ object.env }} "
    '{{7*7}} ${7*7} <t t-esc="1+1"/>'
)
# what must never appear in a rendered page, mail or report: an element or an
# event handler made from the text (its escaped form, &lt;img ... onerror=, is fine)
LIVE = [
    re.compile(r"<script>alert\(1\)"),
    re.compile(r"<img[^<>]*src=[\"']?x[\"'\s>]"),
    re.compile(r"<[a-z][^<>]*\sonerror\s*=\s*[\"']?alert"),
    re.compile(r"<t t-esc="),
]
# the template syntax must stay literal
LITERAL = ["{{7*7}}", "${7*7}", "{{ object.env }}"]


@tagged("post_install", "-at_install")
class TestHostileText(PaymentPlanCase, HttpCase):
    freeze_date = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = date.today()
        cls.hostile = cls._customer("Hostile")
        cls.hostile.write(
            {
                "name": f"Hostile {HOSTILE}",
                "collection_do_not_contact_reason": HOSTILE,
            }
        )
        invoice_1 = cls._invoice(cls.hostile, 400.0, today - timedelta(days=40))
        invoice_2 = cls._invoice(cls.hostile, 200.0, today - timedelta(days=35))
        cls.Case._sync_cases(companies=cls.company, partners=cls.hostile)
        cls.hostile_case = cls.Case.search([("partner_id", "=", cls.hostile.id)])
        contact = cls.env["res.partner"].create(
            {"name": "Hostile Contact", "parent_id": cls.hostile.id}
        )
        cls.hostile_portal = new_test_user(
            cls.env,
            login="hostile_portal",
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=cls.company.id,
        )
        soon = today + timedelta(days=7)
        cls.proposed = cls._plan(
            case=cls.hostile_case,
            invoices=invoice_1,
            date_first_due=soon,
            note=HOSTILE,
        )
        cls.proposed.with_user(cls.collector).action_submit()
        cls.rejected = cls._plan(
            case=cls.hostile_case, invoices=invoice_2, date_first_due=soon
        )
        cls.rejected.with_user(cls.collector).action_submit()
        wizard = (
            cls.env["collection.payment.plan.reject"]
            .with_user(cls.collections_manager)
            .create({"plan_id": cls.rejected.id, "reason": HOSTILE})
        )
        wizard.action_reject()
        call = (
            cls.env["collection.case.log.call"]
            .with_user(cls.collector)
            .create(
                {
                    "case_id": cls.hostile_case.id,
                    "outcome": "promise",
                    "note": HOSTILE,
                    "promise_date": soon,
                    "promise_amount": 100.0,
                }
            )
        )
        call.action_log()
        cls.promise = cls.hostile_case.promise_ids
        cls.promise.note = HOSTILE

    def assertEscaped(self, html, label):
        html = str(html)
        for live in LIVE:
            self.assertNotRegex(html, live, f"{label}: live {live.pattern}")
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", html, label)
        self.assertNotIn(">49<", html, label)
        self.assertNotIn(" 49 ", html, label)

    def test_reminder_emails_escape_the_customer_name(self):
        for xmlid in (
            "collections_mgmt.mail_template_collection_reminder",
            "collections_mgmt.mail_template_collection_reminder_firm",
            "collections_mgmt.mail_template_collection_final_notice",
            "collections_mgmt.mail_template_collection_dispute_ack",
        ):
            with self.subTest(template=xmlid):
                template = self.env.ref(xmlid)
                body = template._render_field("body_html", self.hostile_case.ids)[
                    self.hostile_case.id
                ]
                self.assertEscaped(body, xmlid)
                self.assertIn("{{7*7}}", str(body))

    def test_plan_emails_escape_the_customer_name(self):
        for xmlid in (
            "collections_mgmt.mail_template_payment_plan_proposal",
            "collections_mgmt.mail_template_payment_plan_confirmation",
            "collections_mgmt.mail_template_payment_plan_reminder",
            "collections_mgmt.mail_template_payment_plan_missed",
            "collections_mgmt.mail_template_payment_plan_broken",
            "collections_mgmt.mail_template_payment_plan_done",
        ):
            with self.subTest(template=xmlid):
                template = self.env.ref(xmlid)
                rendered = template._generate_template(
                    self.proposed.ids, ["subject", "body_html"]
                )[self.proposed.id]
                self.assertEscaped(rendered["body_html"], xmlid)
                for literal in LITERAL:
                    self.assertIn(literal, str(rendered["body_html"]), xmlid)
                self.assertNotIn("<script", rendered["subject"])
        # the proposal really queued: its body as stored in the mail queue
        mails = self.env["mail.mail"].search(
            [("model", "=", self.proposed._name), ("res_id", "=", self.proposed.id)]
        )
        self.assertTrue(mails)
        for mail in mails:
            self.assertEscaped(mail.body_html, "queued proposal")

    def test_statement_pdf_html_escapes_the_customer_name(self):
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "collections_mgmt.action_report_collection_statement",
            self.hostile_case.ids,
        )
        self.assertEscaped(html.decode(), "statement")
        for literal in LITERAL:
            self.assertIn(literal, html.decode())

    def test_chatter_keeps_reasons_and_notes_as_text(self):
        bodies = "".join(
            str(body)
            for body in (
                self.hostile_case.message_ids | self.rejected.message_ids
            ).mapped("body")
        )
        # HTML notes are sanitized (no script, no handler), text reasons escaped
        for live in (LIVE[0], LIVE[2]):
            self.assertNotRegex(bodies, live)
        # the rejection reason is text in the chatter
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", bodies)
        # the call note (HTML) is sanitized: no script, no event handler
        self.assertNotIn("alert(1)</script>", bodies)
        self.assertEqual(self.rejected.rejected_reason, HOSTILE)
        self.assertEqual(self.promise.note, HOSTILE)
        note = str(self.proposed.note or "")
        self.assertNotRegex(note, LIVE[0])
        self.assertNotRegex(note, LIVE[2])

    def test_portal_page_escapes_the_customer_name(self):
        self.authenticate("hostile_portal", "hostile_portal")
        for url in ("/my/payment_plans", f"/my/payment_plans/{self.proposed.id}"):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200)
                for live in LIVE:
                    self.assertNotRegex(response.text, live)
        page = self.url_open(f"/my/payment_plans/{self.proposed.id}").text
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)

    def test_case_form_shows_text_in_the_browser(self):
        self.start_tour("/odoo", "collections_mgmt_hostile_text", login="collector")
