from . import controllers
from . import models
from . import report
from . import wizard


def uninstall_hook(env):
    """Empty the cases before Odoo removes the module's data (faults drill, issue 9).

    Odoo deletes the module's records (the stages) before it drops the tables: cases,
    their plans and communications still pointing at a stage (``ondelete="restrict"``)
    made every stage's deletion fail, an ERROR in the log each. The tables go anyway.
    Plans first (they restrict their case); communications, promises and logged calls
    go with their case; invoices only lose their link (``ondelete="set null"``).
    """
    env.cr.execute("DELETE FROM collection_payment_plan")
    env.cr.execute("DELETE FROM collection_case")
