from . import collection_payment_plan_reject
