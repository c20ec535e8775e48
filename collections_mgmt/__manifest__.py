{
    "name": "Collections Management",
    "summary": "Work overdue receivables: cases, stages, reminders, scores, payment plans",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/collections-mgmt/collections_mgmt",
    "author": "collections_mgmt developers",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "application": True,
    "installable": True,
    "depends": ["account", "mail", "portal"],
    "data": [
        "security/collections_mgmt_groups.xml",
        "security/ir.model.access.csv",
        "security/collections_mgmt_security.xml",
        "data/collection_stage_data.xml",
        "data/ir_cron_data.xml",
        "views/collection_stage_views.xml",
        "views/collection_case_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "views/collections_mgmt_menus.xml",
    ],
    "demo": [
        "demo/collection_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "collections_mgmt/static/tests/tours/**/*",
        ],
    },
}
