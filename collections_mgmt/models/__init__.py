from . import collection_stage
from . import collection_case
from . import collection_communication
from . import res_company
from . import res_config_settings
from . import res_partner
from . import account_move
