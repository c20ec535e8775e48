"""Fair-treatment rules of automated contact, free of the ORM.

The daily run asks these functions whether an action may go out now; each answer is
``None`` (allowed) or a short reason code with its parameters, which the caller turns
into a translated message.
"""

from datetime import timedelta

import pytz

# Conversations that count as "the customer was reached" for the call cool-down.
CONVERSATION_OUTCOMES = frozenset({"reached", "promise", "dispute", "refused"})


def local_time(now_utc, tz_name):
    """``now_utc`` (naive UTC datetime) in the time zone ``tz_name`` (UTC if unknown)."""
    try:
        tz = pytz.timezone(tz_name or "UTC")
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc
    return pytz.utc.localize(now_utc).astimezone(tz)


def hour_of(moment):
    return moment.hour + moment.minute / 60.0


def in_contact_window(now_utc, tz_name, hour_start, hour_end):
    """Whether ``now_utc`` falls in [hour_start, hour_end) local time of ``tz_name``."""
    hour = hour_of(local_time(now_utc, tz_name))
    if hour_start <= hour_end:
        return hour_start <= hour < hour_end
    # a window across midnight, e.g. 22:00 to 06:00
    return hour >= hour_start or hour < hour_end


def check_email(
    now_utc,
    tz_name,
    window,
    emails_last_7_days,
    max_emails_7_days,
):
    """Reason an automated email may not go out now, or ``None``.

    :param window: (hour_start, hour_end), or ``None`` when the window is not enforced
    :param max_emails_7_days: the cap; 0 or ``None`` means no cap
    """
    if window and not in_contact_window(now_utc, tz_name, *window):
        return ("outside_window", {"local": local_time(now_utc, tz_name)})
    if max_emails_7_days and emails_last_7_days >= max_emails_7_days:
        return ("email_cap", {"count": emails_last_7_days, "cap": max_emails_7_days})
    return None


def check_call(
    now_utc,
    tz_name,
    window,
    calls_last_7_days,
    max_calls_7_days,
    last_conversation,
    cooldown_days,
):
    """Reason an automated call task may not be issued now, or ``None``.

    :param last_conversation: naive UTC datetime of the last logged conversation, or None
    """
    if window and not in_contact_window(now_utc, tz_name, *window):
        return ("outside_window", {"local": local_time(now_utc, tz_name)})
    if max_calls_7_days and calls_last_7_days >= max_calls_7_days:
        return ("call_cap", {"count": calls_last_7_days, "cap": max_calls_7_days})
    if (
        cooldown_days
        and last_conversation
        and now_utc - last_conversation < timedelta(days=cooldown_days)
    ):
        return ("call_cooldown", {"since": last_conversation, "days": cooldown_days})
    return None
