import "./style.css";
import { Unauthorized } from "./api";
import { destroyCharts } from "./charts";
import { el } from "./dom";
import { startEvents } from "./events";
import { renderFleet } from "./fleet";
import { adoptTokenFromFragment, askForToken, currentToken, forgetToken } from "./token";
import { renderVm } from "./vm";

// The router: "/" is the fleet, "/vms/{id}" a VM; links marked data-link navigate without reloading the page.

const app = document.getElementById("app")!;
const replayBadge = document.getElementById("replay-badge")!;
const live = document.getElementById("live")!;
const signOut = document.getElementById("sign-out") as HTMLButtonElement;
let leave: () => void = () => {};
let generation = 0;

const setReplay = (replay: boolean) => {
  replayBadge.hidden = !replay;
};

async function render(): Promise<void> {
  const mine = ++generation;
  leave();
  leave = () => {};
  destroyCharts();
  if (currentToken() == null) await askForToken(app, null);
  signOut.hidden = false;
  startEvents((status) => {
    live.textContent = status;
    live.className = `live ${status}`;
  });
  const vm = /^\/vms\/([^/]+)\/?$/.exec(location.pathname);
  app.replaceChildren(el("p", { class: "muted loading" }, "Loading…"));
  try {
    const cleanup = vm != null
      ? await renderVm(app, decodeURIComponent(vm[1]!), setReplay)
      : await renderFleet(app, setReplay);
    if (mine === generation) leave = cleanup;
    else cleanup();
  } catch (e) {
    if (mine !== generation) return;
    if (e instanceof Unauthorized) {
      forgetToken();
      await askForToken(app, "The server refused this token (wrong, expired or revoked). Paste another.");
      return render();
    }
    app.replaceChildren(el("div", { class: "card error-card" },
      el("h1", {}, vm != null ? "Cannot show this VM" : "Cannot show the fleet"),
      el("p", { class: "error" }, e instanceof Error ? e.message : String(e)),
      el("p", {}, el("a", { href: "/", "data-link": true }, "Back to the fleet"))));
  }
}

function navigate(url: string): void {
  history.pushState(null, "", url);
  void render();
}

document.addEventListener("click", (e) => {
  const link = (e.target as Element).closest?.("a[data-link]") as HTMLAnchorElement | null;
  if (link == null || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if (link.origin !== location.origin) return;
  e.preventDefault();
  navigate(link.pathname + link.search + link.hash);
});
window.addEventListener("popstate", () => void render());
signOut.addEventListener("click", () => {
  forgetToken();
  signOut.hidden = true;
  void render();
});

adoptTokenFromFragment();
void render();
