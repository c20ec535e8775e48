"""Time a call and count the SQL statements it runs, caches cold."""

import time


def measure(env, func):
    """``(result, seconds, statements)`` of ``func()``, flushed, caches invalidated first."""
    env.invalidate_all()
    before = env.cr.sql_log_count
    started = time.monotonic()
    result = func()
    env.flush_all()
    return result, time.monotonic() - started, env.cr.sql_log_count - before
