import * as api from "./api";
import { el, mib, num, pill, setChildren, time } from "./dom";
import { subscribe } from "./events";
import type { FleetItem, LoopEvent } from "./types";

// The fleet table: every VM with its state, workload, top traits, usage against allocation, policy, last decision
// and pending plan; sortable by any column, filterable by text, refreshed as the loop reports changes.

interface Column {
  key: string;
  title: string;
  sort: (vm: FleetItem) => string | number;
  cell: (vm: FleetItem) => Node | string;
  numeric?: boolean;
  nowrap?: boolean;
}

const shownRows = 300;
/** Natural order (bitbrains-2 before bitbrains-10), as the CLI and the API sort names. */
const natural = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

const columns: Column[] = [
  {
    key: "name", title: "VM", sort: (vm) => vm.name.toLowerCase(),
    cell: (vm) => el("span", {},
      el("a", { href: `/vms/${encodeURIComponent(vm.id)}`, "data-link": true, class: "vm-name" }, vm.name),
      vm.name !== vm.id ? el("div", { class: "muted small mono" }, vm.id) : null),
  },
  { key: "state", title: "State", sort: (vm) => vm.state, cell: (vm) => pill(vm.state) },
  {
    key: "workload", title: "Workload", sort: (vm) => vm.workload?.name ?? "",
    cell: (vm) => vm.workload == null ? "–" : el("span", { title: vm.workload.reason },
      vm.workload.name, vm.workload.name === "unknown" && vm.workload.bestGuess != null
        ? el("div", { class: "muted small" }, `${vm.workload.bestGuess}?`) : null),
  },
  {
    key: "traits", title: "Top traits", sort: (vm) => vm.traits[0]?.trait ?? "",
    cell: (vm) => el("span", { class: "chips" }, vm.traits.slice(0, 3).map((t) =>
      el("span", { class: "chip", title: `score ${t.score.toFixed(2)}` }, t.trait, el("b", {}, t.score.toFixed(2))))),
  },
  {
    key: "cores", title: "CPU used / vCPUs", numeric: true, sort: (vm) => vm.coresUsed ?? -1,
    cell: (vm) => usage(num(vm.coresUsed, 2), num(vm.cores, 0), vm.coresUsed, vm.cores),
  },
  {
    key: "memory", title: "Memory used / allocated", numeric: true, sort: (vm) => vm.memoryUsedMiB ?? -1,
    cell: (vm) => usage(mib(vm.memoryUsedMiB), mib(vm.memoryMiB), vm.memoryUsedMiB, vm.memoryMiB),
  },
  { key: "policy", title: "Policy", sort: (vm) => vm.policy ?? "", cell: (vm) => vm.policy ?? el("span", { class: "muted" }, "none") },
  {
    key: "decision", title: "Last decision", nowrap: true, sort: (vm) => vm.lastDecision?.at ?? "",
    cell: (vm) => vm.lastDecision == null ? el("span", { class: "muted" }, "–")
      : el("span", { title: `${time(vm.lastDecision.at)} · ${vm.lastDecision.reason}` },
        pill(vm.lastDecision.verdict), el("div", { class: "muted small" }, vm.lastDecision.trigger)),
  },
  {
    key: "pending", title: "Pending", nowrap: true, sort: (vm) => (vm.pending != null ? 2 : vm.morphInFlight != null ? 1 : 0),
    cell: (vm) => vm.pending != null
      ? el("a", { href: `/vms/${encodeURIComponent(vm.id)}#pending`, "data-link": true, class: "pending-link", title: vm.pending.reason },
        pill("pending"), el("div", { class: "small" }, vm.pending.target))
      : vm.morphInFlight != null ? pill("morphing", `morph ${vm.morphInFlight}`) : "",
  },
];

function usage(used: string, allocated: string, u: number | null | undefined, a: number | null | undefined): HTMLElement {
  const share = u != null && a != null && a > 0 ? u / a : null;
  return el("span", { class: `usage${share != null && share > 1 ? " short" : ""}` },
    el("span", {}, `${used} / ${allocated}`),
    share == null ? null : el("span", { class: "bar" }, el("span", { style: `width:${Math.min(share, 1) * 100}%` })));
}

function matches(vm: FleetItem, words: string[]): boolean {
  if (words.length === 0) return true;
  const text = [
    vm.name, vm.id, vm.state, vm.source, vm.policy ?? "", vm.workload?.name ?? "", vm.workload?.bestGuess ?? "",
    ...vm.traits.map((t) => t.trait), ...Object.entries(vm.labels ?? {}).map(([k, v]) => `${k}=${v}`),
    vm.pending != null ? "pending" : "", vm.morphInFlight != null ? "morphing" : "",
  ].join(" ").toLowerCase();
  return words.every((w) => text.includes(w));
}

export async function renderFleet(root: HTMLElement, setReplay: (replay: boolean) => void): Promise<() => void> {
  const params = new URLSearchParams(location.search);
  let sortKey = params.get("sort")?.replace(/^-/, "") ?? "name";
  let descending = params.get("sort")?.startsWith("-") ?? false;
  let filter = params.get("q") ?? "";
  let pendingOnly = params.get("pending") === "1";
  let items: FleetItem[] = [];

  const search = el("input", { type: "search", placeholder: "Filter: name, workload, trait, label=value…", value: filter, class: "filter", "aria-label": "Filter the fleet" });
  const pendingBox = el("input", { type: "checkbox", checked: pendingOnly });
  const count = el("span", { class: "muted" });
  const thead = el("thead");
  const tbody = el("tbody");
  const more = el("p", { class: "muted small" });
  const feed = el("ol", { class: "feed" });
  setChildren(root,
    el("div", { class: "page-head" },
      el("h1", {}, "Fleet"), count, el("span", { class: "spacer" }),
      el("label", { class: "check" }, pendingBox, " pending approval only"), search),
    el("div", { class: "card table-card" }, el("table", { class: "fleet", id: "fleet" }, thead, tbody), more),
    el("section", { class: "card" }, el("h2", {}, "Recent changes"), feed));

  const keep = () => {
    const q = new URLSearchParams();
    if (filter !== "") q.set("q", filter);
    if (sortKey !== "name" || descending) q.set("sort", `${descending ? "-" : ""}${sortKey}`);
    if (pendingOnly) q.set("pending", "1");
    const query = q.toString();
    history.replaceState(history.state, "", location.pathname + (query === "" ? "" : `?${query}`));
  };

  const draw = () => {
    setChildren(thead, el("tr", {}, columns.map((c) => el("th", {
      class: `${c.numeric ? "num " : ""}sortable${c.key === sortKey ? (descending ? " desc" : " asc") : ""}`,
      "aria-sort": c.key === sortKey ? (descending ? "descending" : "ascending") : null,
      onclick: () => {
        descending = c.key === sortKey ? !descending : false;
        sortKey = c.key;
        keep();
        draw();
      },
    }, c.title))));
    const words = filter.toLowerCase().split(/\s+/).filter((w) => w !== "");
    const column = columns.find((c) => c.key === sortKey) ?? columns[0]!;
    const rows = items
      .filter((vm) => (!pendingOnly || vm.pending != null) && matches(vm, words))
      .sort((a, b) => {
        const x = column.sort(a);
        const y = column.sort(b);
        const order = (typeof x === "string" && typeof y === "string" ? natural.compare(x, y) : x < y ? -1 : x > y ? 1 : 0)
          || natural.compare(a.name, b.name);
        return descending ? -order : order;
      });
    count.textContent = rows.length === items.length ? `${items.length} VMs` : `${rows.length} of ${items.length} VMs`;
    setChildren(tbody, ...rows.slice(0, shownRows).map((vm) =>
      el("tr", { "data-vm": vm.id, class: vm.pending != null ? "has-pending" : null },
        columns.map((c) => el("td", { class: [c.numeric ? "num" : "", c.nowrap ? "nowrap" : "", c.key === "traits" ? "traits-cell" : ""].join(" ").trim() || null }, c.cell(vm))))));
    if (rows.length === 0) tbody.append(el("tr", {}, el("td", { colspan: columns.length, class: "muted empty" }, items.length === 0 ? "No VMs yet." : "No VM matches the filter.")));
    more.textContent = rows.length > shownRows ? `Showing the first ${shownRows} of ${rows.length}: narrow the filter to see the others.` : "";
  };

  // Refreshes wait at least twice as long as the last load took (a large fleet is fetched page by page).
  let pause = 2000;
  const load = async () => {
    const started = performance.now();
    const fleet = await api.fleet();
    pause = Math.max(2000, 2 * (performance.now() - started));
    items = fleet.items;
    setReplay(fleet.replay);
    draw();
  };

  search.addEventListener("input", () => {
    filter = search.value;
    keep();
    draw();
  });
  pendingBox.addEventListener("change", () => {
    pendingOnly = pendingBox.checked;
    keep();
    draw();
  });

  await load();

  let timer: number | undefined;
  const unsubscribe = subscribe((event: LoopEvent) => {
    if (event.kind !== "observed") {
      feed.prepend(el("li", {}, el("span", { class: "muted mono" }, time(event.at)), " ", pill(event.kind), " ",
        el("a", { href: `/vms/${encodeURIComponent(event.vm)}`, "data-link": true }, event.vmName), " ", event.summary));
      while (feed.children.length > 12) feed.lastElementChild!.remove();
    }
    if (timer === undefined) {
      timer = window.setTimeout(() => {
        timer = undefined;
        load().catch(() => {});
      }, pause);
    }
  });
  return () => {
    unsubscribe();
    window.clearTimeout(timer);
  };
}
