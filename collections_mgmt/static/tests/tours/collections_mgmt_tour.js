import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("collections_mgmt_open_app", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "collections_mgmt.collections_menu_root",
            "Open the Collections app"
        ),
        {
            content: "The worklist is shown",
            trigger: ".o_breadcrumb:contains(Worklist)",
        },
        {
            content: "The worklist offers its Refresh button",
            trigger: ".o_control_panel button[name=action_sync_all]",
        },
    ],
});

registry.category("web_tour.tours").add("collections_mgmt_worklist_to_invoices", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "collections_mgmt.collections_menu_root",
            "Open the Collections app"
        ),
        {
            content: "The biggest overdue comes first",
            trigger: ".o_list_view .o_data_row:first-child:contains(Tour Customer)",
        },
        {
            content: "Open the case of Tour Customer",
            trigger: ".o_data_row td[name=partner_id]:contains(Tour Customer)",
            run: "click",
        },
        {
            content: "The case shows its overdue invoice",
            trigger:
                ".o_form_view .o_field_widget[name=overdue_invoice_ids] .o_data_row:contains(1,234.00)",
        },
        {
            content: "Open the overdue invoices",
            trigger: ".o_form_view button[name=action_open_invoices]",
            run: "click",
        },
        {
            content: "The invoice list shows this customer's overdue invoice, only",
            trigger: ".o_list_view .o_data_row:only-child:contains(1,234.00)",
        },
    ],
});
