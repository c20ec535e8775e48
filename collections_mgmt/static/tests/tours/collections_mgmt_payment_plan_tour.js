import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("collections_mgmt_propose_payment_plan", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "collections_mgmt.collections_menu_root",
            "Open the Collections app"
        ),
        {
            content: "Open the case of the customer",
            trigger: ".o_data_row td[name=partner_id]:contains(Tour Plan Customer)",
            run: "click",
        },
        {
            content: "Propose a payment plan",
            trigger: ".o_form_view button[name=action_propose_payment_plan]",
            run: "click",
        },
        {
            content: "The plan covers the overdue invoice",
            trigger: ".o_form_view .o_field_widget[name=amount_total]:contains(9,000.00)",
        },
        {
            content: "Spread it over four instalments",
            trigger: ".o_form_view .o_field_widget[name=instalment_count] input",
            run: "edit 4",
        },
        {
            content: "Above the company's limit, the plan needs approval",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_submit]",
            run: "click",
        },
        {
            content: "The plan waits for approval",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(To Approve)",
        },
        {
            content: "Its four instalments were computed",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:nth-child(4):contains(2,250.00)",
        },
    ],
});

registry.category("web_tour.tours").add("collections_mgmt_approve_payment_plan", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "collections_mgmt.collections_menu_root",
            "Open the Collections app"
        ),
        {
            content: "Open the plans to approve",
            trigger: "a[data-menu-xmlid='collections_mgmt.collection_payment_plan_menu_to_approve']",
            run: "click",
        },
        {
            content: "Wait for the plans to approve, not the worklist behind them",
            trigger: ".o_breadcrumb:contains(Plans to Approve)",
        },
        {
            content: "Open the proposed plan",
            trigger: ".o_list_view .o_data_row td[name=partner_id]:contains(Tour Plan Customer)",
            run: "click",
        },
        {
            content: "Approve it",
            trigger: ".o_form_view button[name=action_approve]",
            run: "click",
        },
        {
            content: "The plan is active",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Active)",
        },
    ],
});
