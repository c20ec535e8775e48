"""Shared by the benchmarks (and the worklist test): timing and the worklist's page."""

import time


def perf_counter():
    """Seconds of a monotonic clock that freezegun leaves running (the next-day runs)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def measure(env, func):
    """``(result, seconds, statements)`` of ``func()``, flushed, caches invalidated first."""
    env.invalidate_all()
    before = env.cr.sql_log_count
    started = perf_counter()
    result = func()
    env.flush_all()
    return result, perf_counter() - started, env.cr.sql_log_count - before


PAGE = 80
MANY2ONE = {"fields": {"display_name": {}}}
# what the worklist list view (collection_case_view_list) reads for a page
LIST_SPEC = {
    "partner_id": MANY2ONE,
    "stage_id": MANY2ONE,
    "stage_kind": {},
    "user_id": MANY2ONE,
    "amount_overdue": {},
    "amount_due": {},
    "days_overdue": {},
    "oldest_due_date": {},
    "next_action_date": {},
    "activity_ids": {},
    "activity_exception_decoration": {},
    "activity_exception_icon": {},
    "activity_state": {},
    "activity_summary": {},
    "activity_type_icon": {},
    "activity_type_id": MANY2ONE,
    "last_contact_date": {},
    "company_id": MANY2ONE,
    "currency_id": MANY2ONE,
}
