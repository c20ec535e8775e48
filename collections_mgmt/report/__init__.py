from . import collection_report_aging
