"""Faults: the mail server refuses or never answers; nothing is marked sent.

Odoo neither connects nor sends in test mode (``ir.mail_server.connect`` and
``send_email`` return early while ``odoo.modules.module.current_test`` is set), so the
mail queue runs in a real ``odoo-bin shell`` process on a copy of the test template
(collections_mgmt installed), against a tiny SMTP server of this test listening on
127.0.0.1, one port per behaviour. Nothing of Odoo is mocked: a real ``ir.mail_server``
points at the socket; Odoo's own ``process_email_queue`` sends. The only knob turned is
Odoo's SMTP timeout constant (60 s), lowered to 3 s so the silent server's case takes
seconds.
"""

import json
import os
import socketserver
import subprocess
import threading

# behaviours of the SMTP server, one customer (and one reminder) each
MODES = ("accept", "refuse_rcpt", "refuse_data", "silent")
REFUSAL = "5.7.1 Relay access denied by the faults test"

SCRIPT = """
import json
from datetime import datetime, timedelta
from freezegun import freeze_time
from odoo.addons.base.models import ir_mail_server

ir_mail_server.SMTP_TIMEOUT = 3  # Odoo waits 60 s for a silent server
ports = json.loads({ports!r})
now = datetime(2026, 6, 30, 10, 0)
company = env.company
company.email = "collections@faults.example.com"
server = env["ir.mail_server"].create(
    {{"name": "Faults SMTP", "smtp_host": "127.0.0.1", "smtp_port": 25,
      "smtp_encryption": "none"}}
)
partners = {{}}
with freeze_time(now):
    for mode in ports:
        partner = env["res.partner"].create(
            {{"name": f"Faults {{mode}}", "is_company": True,
              "email": f"{{mode}}@customer.example.com"}}
        )
        invoice = env["account.move"].create(
            {{"move_type": "out_invoice", "partner_id": partner.id,
              "invoice_date": (now - timedelta(days=50)).date(),
              "invoice_date_due": (now - timedelta(days=20)).date(),
              "invoice_line_ids": [(0, 0, {{"name": "Service", "quantity": 1,
                                           "price_unit": 500.0, "tax_ids": []}})]}}
        )
        invoice.action_post()
        partners[mode] = partner
    env["collection.daily.run"]._run(companies=company, commit=True)
Comm = env["collection.communication"]
result = {{}}
for mode, port in ports.items():
    comm = Comm.search([("partner_id", "=", partners[mode].id), ("channel", "=", "email")])
    queued = {{"state": comm.state, "mail_state": comm.mail_state}}
    server.smtp_port = port
    env.cr.commit()
    # Odoo's mail queue, as its cron runs it (commits after each mail)
    env["mail.mail"].process_email_queue(ids=comm.mail_id.ids)
    env.invalidate_all()
    result[mode] = {{
        "queued": queued,
        "state": comm.state,
        "reason": comm.reason,
        "mail_state": comm.mail_state,
        "mail_failure_reason": comm.mail_failure_reason,
        "has_mail": bool(comm.mail_id),
    }}
print("RESULT " + json.dumps(result))
"""


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib; ``server.mode`` says where it refuses."""

    def _reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self):
        mode = self.server.mode
        if mode == "silent":
            # accepts the connection, never says a word
            self.server.stopping.wait(30)
            return
        self._reply("220 faults.example.com ESMTP")
        in_data = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if in_data:
                if line == b".\r\n":
                    in_data = False
                    self.server.delivered += 1
                    self._reply("250 2.0.0 Queued")
                continue
            command = line[:4].upper()
            if command in (b"EHLO", b"HELO"):
                self._reply("250 faults.example.com")
            elif command in (b"MAIL", b"RSET", b"NOOP"):
                self._reply("250 2.1.0 OK")
            elif command == b"RCPT":
                self._reply(f"554 {REFUSAL}" if mode == "refuse_rcpt" else "250 OK")
            elif command == b"DATA":
                if mode == "refuse_data":
                    self._reply(f"554 {REFUSAL}")
                else:
                    in_data = True
                    self._reply("354 End data with <CR><LF>.<CR><LF>")
            elif command == b"QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 5.5.2 Command not recognized")


class _SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mode):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.mode = mode
        self.delivered = 0
        self.stopping = threading.Event()


def _template_db():
    """The cached test template (collections_mgmt installed) ``make test`` copied."""
    names = subprocess.run(
        [
            "psql",
            "-d",
            "postgres",
            "-XtAc",
            "SELECT datname FROM pg_database WHERE datname LIKE 'cm\\_tmpl\\_%' "
            "AND datname NOT LIKE '%.tmp'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(names) == 1, f"one cached test template expected, found {names}"
    return names[0]


def test_refusing_or_silent_mail_server_marks_nothing_sent():
    conf = os.environ.get("CM_ODOO_CONF")
    assert conf, "run through 'make test', which provides CM_ODOO_CONF"
    db = "cm_test_faults_mail"
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    subprocess.run(["createdb", "-T", _template_db(), db], check=True)
    servers = {mode: _SMTPServer(mode) for mode in MODES}
    for server in servers.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ports = {mode: server.server_address[1] for mode, server in servers.items()}
        proc = subprocess.run(
            [
                os.environ["CM_PYTHON"],
                os.path.join(os.environ["CM_ODOO_SRC"], "odoo-bin"),
                "shell",
                "-c",
                conf,
                "-d",
                db,
                "--no-http",
                "--log-level=warn",
            ],
            input=SCRIPT.format(ports=json.dumps(ports)),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        log = proc.stdout + proc.stderr
        assert proc.returncode == 0, log
        lines = [line for line in log.splitlines() if line.startswith("RESULT ")]
        assert lines, log
        result = json.loads(lines[-1][len("RESULT ") :])
    finally:
        for server in servers.values():
            server.stopping.set()
            server.shutdown()
            server.server_close()
        subprocess.run(["dropdb", "--if-exists", db], check=False)

    # the figures of the report (pytest -s shows them)
    print(
        "\n| SMTP server | delivered | communication | its reason | mail | mail error |"
    )
    print("|---|---|---|---|---|---|")
    for mode in MODES:
        outcome = result[mode]
        print(
            f"| {mode} | {servers[mode].delivered} | {outcome['queued']['state']} -> "
            f"{outcome['state']} | {outcome['reason'] or ''} | "
            f"{outcome['queued']['mail_state']} -> {outcome['mail_state'] or 'deleted'} | "
            f"{outcome['mail_failure_reason'] or ''} |".replace("\n", " ")
        )

    # the daily run queued every reminder; Odoo really talked to the servers
    for mode in MODES:
        assert result[mode]["queued"] == {
            "state": "queued",
            "mail_state": "outgoing",
        }, (
            mode,
            result[mode],
        )
    assert servers["accept"].delivered == 1
    assert result["accept"]["state"] == "sent", result["accept"]
    assert not result["accept"]["reason"]

    # refused or timed out: nothing delivered, nothing marked sent, the error shown
    for mode, expected in (
        ("refuse_rcpt", REFUSAL),
        ("refuse_data", REFUSAL),
        ("silent", "timed out"),
    ):
        outcome = result[mode]
        assert servers[mode].delivered == 0, mode
        assert outcome["has_mail"], (mode, outcome)
        assert outcome["mail_state"] == "exception", (mode, outcome)
        assert expected in outcome["mail_failure_reason"], (mode, outcome)
        assert outcome["state"] == "failed", (mode, outcome)
        assert outcome["reason"].startswith("The email could not be sent: "), outcome
        assert expected in outcome["reason"], (mode, outcome)
