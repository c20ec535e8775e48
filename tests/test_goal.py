"""SMART goals: baseline, progress along the line to the target, status, snapshots."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from odoo.addons.collections_mgmt.models.collection_goal import goal_status

from .common import CollectionsCase


@tagged("post_install", "-at_install")
class TestGoal(CollectionsCase):
    freeze_date = date(2026, 6, 30)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Goal = cls.env["collection.goal"]
        customer = cls._customer("Goal Customer")
        cls._invoice(customer, 100.0, date(2026, 6, 1))
        cls.Case._sync_cases(companies=cls.company)
        cls.case = cls.Case.search([("partner_id", "=", customer.id)])
        cls.case.user_id = cls.collector
        # two contacts in June: the baseline of the July goals
        cls._contacts(2, "2026-06-15")
        cls.goal = cls.Goal.create(
            {
                "name": "Ten contacts a month",
                "metric": "contacts",
                "target_value": 10.0,
                "date_start": date(2026, 7, 1),
                "date_deadline": date(2026, 7, 31),
                "period_days": 30,
                "manager_id": cls.collections_manager.id,
            }
        )

    @classmethod
    def _contacts(cls, count, day):
        cls.env["collection.communication"].create(
            [
                {
                    "case_id": cls.case.id,
                    "channel": "phone",
                    "state": "done",
                    "date": f"{day} 10:00:00",
                }
                for _ in range(count)
            ]
        )

    def _run(self, day):
        with freeze_time(day):
            self.Goal._cron_snapshot_goals(companies=self.company)

    def _at_risk_activities(self, goal):
        return goal.activity_ids.filtered(lambda a: "at risk" in (a.summary or ""))

    def test_direction_follows_the_metric(self):
        self.assertEqual(self.goal.direction, "raise")
        dso = self.Goal.create(
            {
                "name": "DSO",
                "metric": "dso",
                "target_value": 40,
                "date_start": date(2026, 7, 1),
                "date_deadline": date(2026, 9, 30),
            }
        )
        self.assertEqual(dso.direction, "reduce")

    def test_not_measured_before_start(self):
        self._run("2026-06-30")
        self.assertFalse(self.goal.baseline_date)
        self.assertFalse(self.goal.snapshot_ids)
        self.assertEqual(self.goal.status, "on_track")

    def test_status_transitions(self):
        # July 11: 2 June contacts + 3 new = 5, the line expects 2 + 8 * 10/30
        self._contacts(3, "2026-07-05")
        self._run("2026-07-11")
        self.assertEqual(self.goal.baseline_value, 2.0)
        self.assertEqual(self.goal.baseline_date, date(2026, 6, 30))
        self.assertEqual(self.goal.current_value, 5.0)
        self.assertAlmostEqual(self.goal.progress, 3 / 8 * 100)
        self.assertEqual(self.goal.status, "on_track")
        self.assertFalse(self._at_risk_activities(self.goal))

        # July 21: the June contacts left the 30-day window: 3 < 2 + 8 * 20/30
        self._run("2026-07-21")
        self.assertEqual(self.goal.current_value, 3.0)
        self.assertEqual(self.goal.status, "at_risk")
        activity = self._at_risk_activities(self.goal)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.collections_manager)

        # still at risk the next day: no second activity
        self._run("2026-07-22")
        self.assertEqual(self.goal.status, "at_risk")
        self.assertEqual(len(self._at_risk_activities(self.goal)), 1)

        # July 25: 7 more contacts, 10 reached
        self._contacts(7, "2026-07-24")
        self._run("2026-07-25")
        self.assertEqual(self.goal.status, "achieved")
        self.assertEqual(self.goal.progress, 100.0)

        snapshots = self.goal.snapshot_ids
        self.assertEqual(
            [(s.date.day, s.value, s.status) for s in snapshots],
            [
                (11, 5.0, "on_track"),
                (21, 3.0, "at_risk"),
                (22, 3.0, "at_risk"),
                (25, 10.0, "achieved"),
            ],
        )

    def test_missed_after_deadline_then_closed(self):
        self._contacts(4, "2026-07-20")
        self._run("2026-07-30")
        self.assertEqual(self.goal.status, "at_risk")
        self._run("2026-08-01")
        self.assertEqual(self.goal.status, "missed")
        self.assertTrue(self.goal.closed)
        # measured at the deadline: the window ending July 31
        self.assertEqual(self.goal.current_value, 4.0)
        self._contacts(20, "2026-08-02")
        self._run("2026-08-03")
        self.assertEqual(self.goal.status, "missed")
        self.assertEqual(len(self.goal.snapshot_ids), 2)

    def test_collector_goal_counts_their_portfolio(self):
        other_customer = self._customer("Unassigned Customer")
        self._invoice(other_customer, 50.0, date(2026, 6, 1))
        self.Case._sync_cases(companies=self.company)
        other_case = self.Case.search([("partner_id", "=", other_customer.id)])
        self.env["collection.communication"].create(
            {
                "case_id": other_case.id,
                "channel": "email",
                "state": "sent",
                "date": "2026-07-03 10:00:00",
            }
        )
        self._contacts(1, "2026-07-03")
        mine = self.Goal.create(
            {
                "name": "Carla's contacts",
                "metric": "contacts",
                "owner_type": "user",
                "user_id": self.collector.id,
                "target_value": 5.0,
                "date_start": date(2026, 7, 1),
                "date_deadline": date(2026, 7, 31),
            }
        )
        self._run("2026-07-04")
        self.assertEqual(mine.current_value, 3.0)  # 2 in June + 1, not the other case's
        self.assertEqual(self.goal.current_value, 4.0)

    def test_second_run_same_day_updates_the_snapshot(self):
        self._run("2026-07-11")
        self._contacts(1, "2026-07-11")
        self._run("2026-07-11")
        self.assertEqual(len(self.goal.snapshot_ids), 1)
        self.assertEqual(self.goal.snapshot_ids.value, 3.0)

    def test_progress_graph_data(self):
        self._run("2026-07-11")
        self._run("2026-07-12")
        action = self.goal.action_open_snapshots()
        self.assertEqual(action["res_model"], "collection.goal.snapshot")
        groups = self.env["collection.goal.snapshot"]._read_group(
            action["domain"], ["date:day"], ["value:avg"]
        )
        self.assertEqual(len(groups), 2)

    def test_reduce_goal_status_line(self):
        start, deadline = date(2026, 7, 1), date(2026, 7, 31)
        # DSO from 60 to 40: on July 16 the line is at 50
        args = ("reduce", 60.0, 40.0)
        self.assertEqual(
            goal_status(*args, 49.0, start, deadline, date(2026, 7, 16)), "on_track"
        )
        self.assertEqual(
            goal_status(*args, 55.0, start, deadline, date(2026, 7, 16)), "at_risk"
        )
        self.assertEqual(
            goal_status(*args, 40.0, start, deadline, date(2026, 7, 16)), "achieved"
        )
        self.assertEqual(
            goal_status(*args, 41.0, start, deadline, date(2026, 8, 1)), "missed"
        )

    def test_bad_input(self):
        with self.assertRaises(ValidationError):
            self.Goal.create(
                {
                    "name": "Backwards",
                    "metric": "dso",
                    "target_value": 30,
                    "date_start": date(2026, 7, 31),
                    "date_deadline": date(2026, 7, 1),
                }
            )
        with self.assertRaises(ValidationError):
            self.Goal.create(
                {
                    "name": "Nobody's",
                    "metric": "dso",
                    "owner_type": "user",
                    "target_value": 30,
                    "date_start": date(2026, 7, 1),
                    "date_deadline": date(2026, 7, 31),
                }
            )

    def test_managers_write_collectors_read(self):
        self.assertEqual(
            self.goal.with_user(self.collector).name, "Ten contacts a month"
        )
        with self.assertRaises(AccessError):
            self.goal.with_user(self.collector).write({"target_value": 1.0})
        self.goal.with_user(self.collections_manager).write({"target_value": 12.0})
        self.assertEqual(self.goal.target_value, 12.0)

    def test_goals_of_other_companies_are_hidden(self):
        other = self.setup_other_company(name="Goal Co")["company"]
        foreign = self.Goal.create(
            {
                "name": "Elsewhere",
                "metric": "dso",
                "target_value": 30,
                "company_id": other.id,
                "date_start": date(2026, 7, 1),
                "date_deadline": date(2026, 7, 31),
            }
        )
        visible = self.Goal.with_user(self.collector).search([])
        self.assertIn(self.goal, visible)
        self.assertNotIn(foreign, visible)
