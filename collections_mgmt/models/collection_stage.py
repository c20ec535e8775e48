from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# longest stage name accepted (names show on kanban columns and emails)
STAGE_NAME_MAX = 128


class CollectionStage(models.Model):
    _name = "collection.stage"
    _description = "Collection Stage"
    _order = "sequence, min_days_overdue, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    fold = fields.Boolean(help="Folded in the worklist's kanban view.")
    kind = fields.Selection(
        [
            ("ladder", "Ladder"),
            ("manual", "Manual"),
            ("closed", "Closed"),
        ],
        required=True,
        default="ladder",
        help="Ladder: entered automatically by days overdue. "
        "Manual: set by a person (promise, payment plan, dispute, legal). "
        "Closed: the case is resolved.",
    )
    min_days_overdue = fields.Integer(
        string="Days Overdue",
        help="A ladder stage is entered when the oldest overdue invoice of the case "
        "is at least this many days past due.",
    )
    channel = fields.Selection(
        [
            ("email", "Email"),
            ("letter", "Letter"),
            ("email_letter", "Email and letter"),
            ("phone", "Phone call"),
            ("none", "None"),
        ],
        required=True,
        default="none",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain=[("model", "=", "collection.case")],
    )
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity")
    activity_delay = fields.Integer(string="Activity Delay (days)")
    activity_summary = fields.Char(translate=True)
    activity_assignee = fields.Selection(
        [("collector", "Case collector"), ("manager", "Collections manager")],
        default="collector",
        required=True,
        help="Who gets the activity scheduled when a case enters this stage.",
    )
    pause_automation = fields.Boolean(
        help="The daily run leaves cases in this stage alone: no stage change, no reminder.",
    )
    company_id = fields.Many2one(
        "res.company", help="Leave empty to share the stage between companies."
    )
    case_count = fields.Integer(compute="_compute_case_count")

    _sql_constraints = [
        (
            "min_days_overdue_positive",
            "CHECK(min_days_overdue >= 0)",
            "The days overdue of a stage cannot be negative.",
        ),
        (
            "activity_delay_positive",
            "CHECK(activity_delay >= 0)",
            "The activity delay of a stage cannot be negative.",
        ),
    ]

    def _compute_case_count(self):
        counts = dict(
            self.env["collection.case"]._read_group(
                [("stage_id", "in", self.ids)], ["stage_id"], ["__count"]
            )
        )
        for stage in self:
            stage.case_count = counts.get(stage, 0)

    @api.model
    def _get_stages(self, company, kind=None):
        """Stages usable by ``company`` (its own and shared ones), in order."""
        domain = [("company_id", "in", [company.id, False])]
        if kind:
            domain.append(("kind", "=", kind))
        return self.search(domain)

    @api.model
    def _get_first_ladder_stage(self, company):
        return self._get_stages(company, "ladder")[:1]

    @api.model
    def _get_closed_stage(self, company):
        return self._get_stages(company, "closed")[:1]

    # ------------------------------------------------------------------
    # Hardening (issue 9): ambiguous ladders and oversized names are refused
    # ------------------------------------------------------------------

    @api.constrains("kind", "min_days_overdue", "company_id", "active")
    def _check_ladder_threshold(self):
        ladder = self.filtered(lambda s: s.kind == "ladder" and s.active)
        if not ladder:
            return
        # every company's stages: a shared stage must not clash with any of them
        others = self.sudo().search(
            [
                ("kind", "=", "ladder"),
                ("min_days_overdue", "in", ladder.mapped("min_days_overdue")),
                ("id", "not in", ladder.ids),
            ]
        )
        for stage in ladder:
            clash = (others | ladder - stage).filtered(
                lambda s, st=stage: (
                    s.min_days_overdue == st.min_days_overdue
                    and (
                        not s.company_id
                        or not st.company_id
                        or s.company_id == st.company_id
                    )
                )
            )[:1]
            if clash:
                raise ValidationError(
                    _(
                        "Stages %(stage)s and %(other)s both start the ladder at "
                        "%(days)s days overdue: give each ladder stage its own "
                        "threshold.",
                        stage=stage.name,
                        other=clash.name,
                        days=stage.min_days_overdue,
                    )
                )

    @api.constrains("name")
    def _check_name_length(self):
        for stage in self:
            if len(stage.name or "") > STAGE_NAME_MAX:
                raise ValidationError(
                    _(
                        "A stage name has at most %(max)s characters.",
                        max=STAGE_NAME_MAX,
                    )
                )
