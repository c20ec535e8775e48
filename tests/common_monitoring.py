"""A receivables ledger with hand-computed KPIs and aging, for the monitoring tests.

Company currency USD, June 2026 as the period (30 days), today 2026-06-30.

======  ========  ======  ==========  ==============================================
doc     customer  amount  date / due  what happens
======  ========  ======  ==========  ==============================================
A1      Alpha     1000    05-10/05-20 400 paid on 06-10 (partial, in the period)
A2      Alpha      500    06-05/07-05 open, not due
A3      Alpha     -100    06-15/06-15 credit note, left open
B1      Beta       300    02-01/03-01 open, 121 days overdue
B2      Beta       200    06-01/06-20 EUR 400 at 2 EUR per USD, open
B3      Beta       250    04-01/04-15 paid in full on 05-15 (before the period)
B4      Beta       150    06-20/06-25 paid in full on 07-02 (after the period)
B5      Beta       999    07-01/07-31 after the period, not due
C1      Gamma       80    06-01/06-10 excluded from collections (disputed)
======  ========  ======  ==========  ==============================================

Alpha's case belongs to the collector; Beta's and Gamma's have no collector.
"""

from datetime import date

from .common import CollectionsCase

JUNE_1 = date(2026, 6, 1)
JUNE_30 = date(2026, 6, 30)


class ReceivablesLedgerCase(CollectionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR")
        cls.alpha = cls._customer("Alpha")
        cls.beta = cls._customer("Beta")
        cls.gamma = cls._customer("Gamma")
        cls.a1 = cls._invoice(cls.alpha, 1000.0, date(2026, 5, 20), date(2026, 5, 10))
        cls._pay(cls.a1, 400.0, date(2026, 6, 10))
        cls.a2 = cls._invoice(cls.alpha, 500.0, date(2026, 7, 5), date(2026, 6, 5))
        cls.a3 = cls._invoice(
            cls.alpha, 100.0, date(2026, 6, 15), move_type="out_refund"
        )
        cls.b1 = cls._invoice(cls.beta, 300.0, date(2026, 3, 1), date(2026, 2, 1))
        cls.b2 = cls._invoice(
            cls.beta, 400.0, date(2026, 6, 20), date(2026, 6, 1), currency=cls.eur
        )
        cls.b3 = cls._invoice(cls.beta, 250.0, date(2026, 4, 15), date(2026, 4, 1))
        cls._pay(cls.b3, 250.0, date(2026, 5, 15))
        cls.b4 = cls._invoice(cls.beta, 150.0, date(2026, 6, 25), date(2026, 6, 20))
        cls._pay(cls.b4, 150.0, date(2026, 7, 2))
        cls.b5 = cls._invoice(cls.beta, 999.0, date(2026, 7, 31), date(2026, 7, 1))
        cls.c1 = cls._invoice(cls.gamma, 80.0, date(2026, 6, 10), date(2026, 6, 1))
        cls.c1.write(
            {"collection_excluded": True, "collection_excluded_reason": "Disputed"}
        )
        cls.Case._sync_cases(companies=cls.company)
        cls.case_alpha = cls.Case.search([("partner_id", "=", cls.alpha.id)])
        cls.case_alpha.user_id = cls.collector
