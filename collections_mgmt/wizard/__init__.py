from . import collection_case_log_call
from . import collection_payment_plan_reject
