from . import (
    account_move,
    collection_case,
    collection_stage,
    res_company,
    res_config_settings,
    res_partner,
)
