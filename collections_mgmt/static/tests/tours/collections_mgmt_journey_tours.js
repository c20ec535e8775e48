import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A step that asks for a screenshot of the screen once ``trigger`` is there.
 *
 * Only when the test set the ``collections_mgmt_screenshots`` cookie (make screenshots):
 * the page settles, the marker is logged, the test's browser hook captures the page.
 * Otherwise the step is a plain check and costs nothing.
 */
function screenshot(name, trigger, scrollTo) {
    return {
        content: `Screenshot of ${name}`,
        trigger,
        run: async () => {
            if (!document.cookie.includes("collections_mgmt_screenshots=1")) {
                return;
            }
            if (scrollTo) {
                document.querySelector(scrollTo)?.scrollIntoView({ block: "start" });
            }
            await delay(800);
            console.log(`collections_mgmt screenshot ${name}`);
            await delay(1200);
        },
    };
}

registry.category("web_tour.tours").add("collections_mgmt_collector_journey", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "collections_mgmt.collections_menu_root",
            "Open the Collections app"
        ),
        {
            content: "The worklist opens on the customers to call, biggest overdue first",
            trigger: ".o_list_view .o_data_row:first-child:contains(Journey Alpha)",
        },
        {
            content: "The priority and the stage are badges",
            trigger:
                ".o_data_row:contains(Journey Alpha) td[name=priority] .badge.text-bg-danger",
        },
        {
            content: "Refresh the worklist",
            trigger: ".o_list_view .o_control_panel button[name=action_sync_all]",
            run: "click",
        },
        {
            content: "The worklist is still there after the refresh",
            trigger: ".o_list_view .o_data_row:contains(Journey Gamma)",
        },
        screenshot("worklist", ".o_list_view .o_data_row:contains(Journey Gamma)"),
        {
            content: "Switch to the kanban",
            trigger: ".o_switch_view.o_kanban",
            run: "click",
        },
        {
            content: "The card shows the days overdue in the worklist's colours",
            trigger:
                ".o_kanban_record:contains(Journey Alpha) span[name=days_overdue].text-bg-danger",
        },
        {
            content: "The card shows the priority and the next activity",
            trigger:
                ".o_kanban_record:contains(Journey Alpha):has(div[name=priority_badge]):has(div[name=next_activity])",
        },
        screenshot("kanban", ".o_kanban_record:contains(Journey Beta)"),
        {
            content: "Open the case of Journey Alpha",
            trigger: ".o_kanban_record:contains(Journey Alpha) .fw-bold",
            run: "click",
        },
        {
            content: "Why this priority?",
            trigger: ".o_notebook .nav-link:contains(Why this priority?)",
            run: "click",
        },
        {
            content: "The score is explained factor by factor",
            trigger: ".o_collection_priority_breakdown tbody tr",
        },
        screenshot("case_form", ".o_collection_priority_breakdown", ".o_form_sheet"),
        {
            content: "Log a call",
            trigger: ".o_form_view button[name=action_log_call]",
            run: "click",
        },
        {
            content: "The customer did not answer",
            trigger: ".modal .o_field_widget[name=outcome] input[data-value=no_answer]",
            run: "click",
        },
        {
            content: "Log it",
            trigger: ".modal button[name=action_log]",
            run: "click",
        },
        {
            content: "The call is in the chatter",
            trigger: ".o-mail-Message:contains(Call: No answer)",
        },
    ],
});

registry.category("web_tour.tours").add("collections_mgmt_manager_reviews_plans", {
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
            content: "Open the plan to approve",
            trigger: ".o_list_view .o_data_row td[name=partner_id]:contains(Journey Approve)",
            run: "click",
        },
        {
            content: "The plan shows its instalments",
            trigger: ".o_field_widget[name=line_ids] .o_data_row",
        },
        screenshot("payment_plan_form", ".o_form_view button[name=action_approve]"),
        {
            content: "Approve it",
            trigger: ".o_form_view button[name=action_approve]",
            run: "click",
        },
        {
            content: "The plan is active",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Active)",
        },
        {
            content: "Back to the plans to approve",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Plans to Approve)",
            run: "click",
        },
        {
            content: "Open the plan to reject",
            trigger: ".o_list_view .o_data_row td[name=partner_id]:contains(Journey Reject)",
            run: "click",
        },
        {
            content: "Reject it",
            trigger: ".o_form_view button[name=action_open_reject]",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Twelve instalments is too long for this customer",
        },
        {
            content: "Confirm the rejection",
            trigger: ".modal button[name=action_reject]",
            run: "click",
        },
        {
            content: "The plan is rejected",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Rejected)",
        },
    ],
});

registry.category("web_tour.tours").add("collections_mgmt_admin_configures_and_runs", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "collections_mgmt.collections_menu_root",
            "Open the Collections app"
        ),
        {
            content: "Open the configuration",
            trigger: "[data-menu-xmlid='collections_mgmt.collections_menu_config']",
            run: "click",
        },
        {
            content: "Open the stages",
            trigger: "[data-menu-xmlid='collections_mgmt.collection_stage_menu']",
            run: "click",
        },
        {
            content: "Open the second reminder",
            trigger: ".o_list_view .o_data_row td[name=name]:contains(Second reminder)",
            run: "click",
        },
        {
            content: "The second reminder now goes out after 20 days",
            trigger: ".o_form_view .o_field_widget[name=min_days_overdue] input",
            run: "edit 20",
        },
        ...stepUtils.saveForm(),
        {
            content: "Back to the worklist",
            trigger: "[data-menu-xmlid='collections_mgmt.collection_case_menu']",
            run: "click",
        },
        {
            content: "Run the daily run now",
            trigger: ".o_list_view .o_control_panel button[name=action_run_now]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The run is queued for the scheduler",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Queued)",
        },
    ],
});

registry.category("web_tour.tours").add("collections_mgmt_admin_follows_the_run", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "collections_mgmt.collections_menu_root",
            "Open the Collections app"
        ),
        {
            content: "Open the configuration",
            trigger: "[data-menu-xmlid='collections_mgmt.collections_menu_config']",
            run: "click",
        },
        {
            content: "Open the runs",
            trigger: "[data-menu-xmlid='collections_mgmt.collection_run_menu']",
            run: "click",
        },
        {
            content: "The run is done, its progress full",
            trigger: ".o_list_view .o_data_row:contains(Done) .o_progressbar:contains(100)",
        },
        {
            content: "Open the run",
            trigger: ".o_list_view .o_data_row:contains(Done) td[name=display_name]",
            run: "click",
        },
        {
            content: "The run is done",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        screenshot("run_progress", ".o_form_view .o_field_widget[name=progress]"),
        {
            content: "Open the reporting",
            trigger: "[data-menu-xmlid='collections_mgmt.collections_menu_reporting']",
            run: "click",
        },
        {
            content: "Open the dashboard",
            trigger: "[data-menu-xmlid='collections_mgmt.collection_dashboard_menu']",
            run: "click",
        },
        {
            content: "The dashboard shows the DSO",
            trigger: ".o_form_view .o_field_widget[name=dso]",
        },
        screenshot("dashboard", ".o_form_view .o_field_widget[name=dso]"),
        {
            content: "Open the reporting",
            trigger: "[data-menu-xmlid='collections_mgmt.collections_menu_reporting']",
            run: "click",
        },
        {
            content: "Open the aging",
            trigger: "[data-menu-xmlid='collections_mgmt.collection_report_aging_menu']",
            run: "click",
        },
        {
            content: "The aging opens on its buckets",
            trigger: ".o_pivot_view .o_pivot table",
        },
        screenshot("aging", ".o_pivot_view .o_pivot table"),
    ],
});
