from odoo import http
from odoo.http import request
from odoo.tools import consteq


class CollectionsController(http.Controller):
    @http.route(
        "/collections/optout/<int:partner_id>/<string:token>",
        type="http",
        auth="public",
        website=False,
        methods=["GET", "POST"],
    )
    def collections_optout(self, partner_id, token, **kwargs):
        """One-click opt-out of email reminders: the address joins the blacklist."""
        partner = request.env["res.partner"].sudo().browse(partner_id).exists()
        if not partner or not consteq(token, partner._collections_optout_token()):
            raise request.not_found()
        if partner.email_normalized:
            request.env["mail.blacklist"].sudo()._add(
                partner.email_normalized,
                message=request.env._("Opted out of collection reminders by email."),
            )
        return request.render(
            "collections_mgmt.collections_optout_done", {"partner": partner}
        )
