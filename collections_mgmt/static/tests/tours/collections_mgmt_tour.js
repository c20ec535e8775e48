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
