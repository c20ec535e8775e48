from collections import defaultdict

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
                # Faults drill (issue 9): when Odoo cannot connect to the mail server
                # (refused, timed out) it passes no reason, only "mail_smtp", and writes
                # the error on the mails: show that error, one write per distinct reason.
                by_reason = defaultdict(lambda: comms.browse())
                for comm in comms:
                    reason = (
                        failure_reason or comm.mail_id.failure_reason or failure_type
                    )
                    by_reason[reason] |= comm
                for reason, group in by_reason.items():
                    group.write(
                        {
                            "state": "failed",
                            "reason": _(
                                "The email could not be sent: %(reason)s",
                                reason=reason,
                            ),
                        }
                    )
            else:
                comms.write({"state": "sent", "reason": False})
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
