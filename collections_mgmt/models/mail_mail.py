from odoo import _, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        """Tell the collection communications whether their email went out."""
        comms = (
            self.env["collection.communication"]
            .sudo()
            .search(
                [("mail_id", "in", self.ids), ("state", "in", ("queued", "failed"))]
            )
        )
        if comms:
            if failure_type:
                comms.write(
                    {
                        "state": "failed",
                        "reason": _(
                            "The email could not be sent: %(reason)s",
                            reason=failure_reason or failure_type,
                        ),
                    }
                )
            else:
                comms.write({"state": "sent", "reason": False})
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
