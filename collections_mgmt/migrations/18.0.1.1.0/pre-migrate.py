"""18.0.1.1.0: the average-age score weight became the amount-days weight.

The company keeps the weight it had; the settings view stored in the database stops
naming the old field before Odoo validates the views of the upgrade.
"""

from odoo.tools import sql

OLD = "collection_score_weight_average_age"
NEW = "collection_score_weight_amount_days"


def migrate(cr, version):
    if sql.column_exists(cr, "res_company", OLD) and not sql.column_exists(
        cr, "res_company", NEW
    ):
        sql.rename_column(cr, "res_company", OLD, NEW)
    cr.execute(
        """
        UPDATE ir_ui_view
           SET arch_db = replace(arch_db::text, %s, %s)::jsonb
         WHERE arch_db::text LIKE %s
        """,
        [OLD, NEW, f"%{OLD}%"],
    )
