import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("collections_mgmt_dashboard", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "collections_mgmt.collections_menu_root",
            "Open the Collections app"
        ),
        {
            content: "The app still opens on the worklist",
            trigger: ".o_breadcrumb:contains(Worklist)",
        },
        {
            content: "Open the Reporting menu",
            trigger: "[data-menu-xmlid='collections_mgmt.collections_menu_reporting']",
            run: "click",
        },
        {
            content: "Open the dashboard",
            trigger: "[data-menu-xmlid='collections_mgmt.collection_dashboard_menu']",
            run: "click",
        },
        {
            content: "The dashboard shows the DSO of the month",
            trigger: ".o_form_view .o_field_widget[name=dso]",
        },
        {
            content: "The goal is shown with its progress bar",
            trigger:
                ".o_field_widget[name=goal_ids] .o_kanban_record:contains(Tour Goal) .o_progressbar",
        },
        {
            content: "Open the details",
            trigger: ".o_notebook .nav-link:contains(Details)",
            run: "click",
        },
        {
            content: "The collectors' figures are listed",
            trigger: ".o_collection_summary_collectors:contains(Carla Collector)",
        },
        {
            content: "Open the aging",
            trigger: ".o_form_view button[name=action_open_aging]",
            run: "click",
        },
        {
            content: "The aging opens on its stacked bars",
            trigger: ".o_graph_view .o_graph_canvas_container",
        },
        {
            content: "Switch to the list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The open invoice is in the 1-30 column",
            trigger:
                ".o_list_view .o_data_row:contains(Dashboard Customer) td[name=amount_1_30]:contains(800.00)",
        },
    ],
});
