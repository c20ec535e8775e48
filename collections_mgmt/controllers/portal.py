from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

# what the customer sees: proposed, running and finished plans, no drafts
PORTAL_STATES = ("to_approve", "active", "done", "broken")


class PaymentPlanPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "payment_plan_count" in counters:
            Plan = request.env["collection.payment.plan"]
            values["payment_plan_count"] = (
                Plan.search_count(self._get_payment_plans_domain())
                if Plan.has_access("read")
                else 0
            )
        return values

    def _get_payment_plans_domain(self):
        return [("state", "in", PORTAL_STATES)]

    @http.route(
        ["/my/payment_plans", "/my/payment_plans/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_payment_plans(self, page=1, **kw):
        Plan = request.env["collection.payment.plan"]
        domain = self._get_payment_plans_domain()
        values = self._prepare_portal_layout_values()
        total = Plan.search_count(domain) if Plan.has_access("read") else 0
        pager = portal_pager(
            url="/my/payment_plans", total=total, page=page, step=self._items_per_page
        )
        plans = (
            Plan.search(domain, limit=self._items_per_page, offset=pager["offset"])
            if total
            else Plan
        )
        request.session["my_payment_plans_history"] = plans.ids[:100]
        values.update(
            {
                "plans": plans,
                "page_name": "payment_plan",
                "pager": pager,
                "default_url": "/my/payment_plans",
            }
        )
        return request.render("collections_mgmt.portal_my_payment_plans", values)

    def _payment_plan_check_access(self, plan_id, access_token):
        """The plan in sudo when this visitor may see it in the portal, else None."""
        try:
            plan_sudo = self._document_check_access(
                "collection.payment.plan", plan_id, access_token
            )
        except (AccessError, MissingError):
            return None
        return plan_sudo if plan_sudo.state in PORTAL_STATES else None

    @http.route(
        ["/my/payment_plans/<int:plan_id>"], type="http", auth="public", website=True
    )
    def portal_my_payment_plan(self, plan_id, access_token=None, **kw):
        plan_sudo = self._payment_plan_check_access(plan_id, access_token)
        if not plan_sudo:
            return request.redirect("/my")
        values = self._get_page_view_values(
            plan_sudo,
            access_token,
            {
                "plan": plan_sudo,
                "page_name": "payment_plan",
                "message": self._payment_plan_message(kw.get("message")),
            },
            "my_payment_plans_history",
            False,
        )
        return request.render("collections_mgmt.portal_payment_plan_page", values)

    @http.route(
        ["/my/payment_plans/<int:plan_id>/accept"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_payment_plan_accept(self, plan_id, access_token=None, **kw):
        plan_sudo = self._payment_plan_check_access(plan_id, access_token)
        if not plan_sudo:
            return request.redirect("/my")
        try:
            plan_sudo._accept(user=request.env.user)
            message = "accepted"
        except UserError:
            message = "not_acceptable"
        query = f"?message={message}"
        if access_token:
            query += f"&access_token={access_token}"
        return request.redirect(f"/my/payment_plans/{plan_sudo.id}{query}")

    def _payment_plan_message(self, code):
        return {
            "accepted": _("Thank you: you accepted the payment plan."),
            "not_acceptable": _("This payment plan cannot be accepted any more."),
        }.get(code)
