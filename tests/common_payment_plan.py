"""Fixtures of the payment plan tests: a customer with two overdue invoices and a case."""

from datetime import timedelta

from .common import TODAY, CollectionsCase


class PaymentPlanCase(CollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Plan = cls.env["collection.payment.plan"]
        cls.customer = cls._customer("Plan Customer")
        cls.invoice_a = cls._invoice(cls.customer, 600.0, TODAY - timedelta(days=20))
        cls.invoice_b = cls._invoice(cls.customer, 300.0, TODAY - timedelta(days=10))
        cls.Case._sync_cases(companies=cls.company, partners=cls.customer)
        cls.case = cls.Case.search([("partner_id", "=", cls.customer.id)])
        cls.first_ladder_stage = cls.env.ref(
            "collections_mgmt.collection_stage_reminder"
        )
        cls.plan_stage = cls.env.ref("collections_mgmt.collection_stage_payment_plan")
        cls.resolved_stage = cls.env.ref("collections_mgmt.collection_stage_resolved")
        # limits well above the fixtures: a plain plan needs no approval
        cls.company.write(
            {
                "collection_plan_approval_amount": 5000.0,
                "collection_plan_approval_instalments": 6,
                "collection_plan_approval_days": 180,
                "collection_plan_self_approval": False,
                "collection_plan_grace_days": 5,
                "collection_plan_reminder_days": 3,
                # the plan emails go through the fair-treatment rules: at frozen
                # midnight they would wait for the contact window, and the cap of
                # emails per week would hold some back (tested on their own in
                # test_payment_plan_communication.py)
                "collection_enforce_contact_window": False,
                "collection_max_emails_7d": 0,
            }
        )

    @classmethod
    def _plan(cls, invoices=None, user=None, **values):
        """A draft plan of the case, made by ``user`` (the collector by default)."""
        case = values.pop("case", cls.case)
        invoices = cls.invoice_a | cls.invoice_b if invoices is None else invoices
        vals = {
            "case_id": case.id,
            "invoice_ids": [(6, 0, invoices.ids)],
            "instalment_count": 3,
            "frequency": "monthly",
            "date_first_due": TODAY + timedelta(days=1),
        } | values
        return cls.Plan.with_user(user or cls.collector).create(vals)

    def _queued_mails(self, plan, template_xmlid):
        """Queued emails of ``plan`` whose subject is the one of the template."""
        template = self.env.ref(template_xmlid)
        subject = template._render_field("subject", plan.ids)[plan.id]
        return self.env["mail.mail"].search(
            [
                ("model", "=", plan._name),
                ("res_id", "=", plan.id),
                ("subject", "=", subject),
            ]
        )
