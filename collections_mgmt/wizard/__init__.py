from . import collection_case_log_call
