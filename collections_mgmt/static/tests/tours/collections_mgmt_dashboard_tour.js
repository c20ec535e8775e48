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
    ],
});
