import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const HOSTILE_SCRIPT = "<script>alert(1)</script>";

function assertNothingLive(root, where, sanitized = false) {
    // plain text is shown as text: no element is made from it; HTML notes are
    // sanitized: their markup may stay, never a script or an event handler
    const live = sanitized ? "[onerror]" : "img[src='x'], [onerror]";
    if (root.querySelector(live)) {
        throw new Error(`${where}: an element was rendered from hostile text`);
    }
    for (const script of root.querySelectorAll("script")) {
        if (script.textContent.includes("alert(1)")) {
            throw new Error(`${where}: a script from hostile text is in the page`);
        }
    }
}

registry.category("web_tour.tours").add("collections_mgmt_hostile_text", {
    url: "/odoo",
    steps: () => [
        {
            content: "Any alert() fails the tour (a console error)",
            trigger: "body",
            run() {
                window.alert = (message) => console.error(`alert(${message}) was called`);
            },
        },
        ...stepUtils.goToAppSteps(
            "collections_mgmt.collections_menu_root",
            "Open the Collections app"
        ),
        {
            content: "The worklist shows the hostile name as text",
            trigger: ".o_data_row td[name=partner_id]:contains(Hostile)",
            run() {
                const cell = this.anchor;
                if (!cell.textContent.includes(HOSTILE_SCRIPT)) {
                    throw new Error(`the name is not shown as text: ${cell.textContent}`);
                }
                assertNothingLive(document.querySelector(".o_list_view"), "worklist");
            },
        },
        {
            content: "Open the hostile customer's case",
            trigger: ".o_data_row td[name=partner_id]:contains(Hostile)",
            run: "click",
        },
        {
            content: "The case form shows the name as text",
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains(Hostile)",
            run() {
                const field = this.anchor;
                if (!field.textContent.includes("{{7*7}}")) {
                    throw new Error(`the name is not shown literally: ${field.textContent}`);
                }
                assertNothingLive(document.querySelector(".o_form_sheet"), "case form");
            },
        },
        {
            content: "The chatter shows the logged call and nothing runs",
            trigger: ".o-mail-Message:contains(Promise to pay)",
            run() {
                assertNothingLive(document.querySelector(".o-mail-Chatter"), "chatter", true);
            },
        },
    ],
});
