import * as api from "./api";
import { short, traitRadar, usageChart } from "./charts";
import { bytes, el, mib, num, pill, setChildren, time, value } from "./dom";
import { subscribe } from "./events";
import type { ConfigurationVersion, DominantCycle, FleetItem, GuardVerdict, Morph, PlanView, Trait, Traits, Usage, UsagePoint, VmDetail, Workload } from "./types";

// A VM's page: who it is and what governs it, the plan waiting for approval (approve, reject), its trait vector as a
// radar with each trait's reasons, usage against allocation with shortfall marked, the configuration history as a
// timeline of diffs, and the morph journal (plan, guard verdict, rollback).

export async function renderVm(root: HTMLElement, id: string, setReplay: (replay: boolean) => void): Promise<() => void> {
  // What the user unfolded stays unfolded when the page refreshes.
  const openJournals = new Set<string>();
  const openTraits = new Set<string>();
  const head = el("div", { class: "vm-head" });
  const notice = el("p", { class: "notice", id: "notice", role: "status", hidden: true });
  const pending = el("section", { class: "card pending", id: "pending", hidden: true });
  const traitsCard = el("section", { class: "card", id: "traits" });
  const usageCard = el("section", { class: "card", id: "usage" });
  const historyCard = el("section", { class: "card", id: "history" });
  const morphsCard = el("section", { class: "card", id: "morphs" });
  setChildren(root,
    el("p", { class: "crumbs" }, el("a", { href: "/", "data-link": true }, "← Fleet")),
    head, notice, pending,
    el("div", { class: "grid two" }, traitsCard, usageCard),
    el("div", { class: "grid two" }, historyCard, morphsCard));

  const load = async () => {
    const [vm, traits, usage, history, plans, morphs] = await Promise.all([
      api.vmDetail(id), api.traits(id), api.usage(id), api.history(id), api.plans(id), api.morphs(id),
    ]);
    setReplay(vm.replay);
    document.title = `${vm.name} · vmorph`;
    drawHead(head, vm);
    drawPending(pending, notice, vm, load);
    drawTraits(traitsCard, traits, openTraits);
    drawUsage(usageCard, usage);
    drawHistory(historyCard, history.versions);
    drawMorphs(morphsCard, vm, morphs.items, plans.items, openJournals, load);
  };
  await load();
  if (location.hash === "#pending" && !pending.hidden) pending.scrollIntoView();

  let timer: number | undefined;
  // A new plan is shown at once (the loop may supersede a parked plan at its next step); other changes at most every
  // 1.5 s.
  const unsubscribe = subscribe((event) => {
    if (event.vm !== id) return;
    if (event.kind === "plan") {
      window.clearTimeout(timer);
      timer = undefined;
      load().catch(() => {});
      return;
    }
    if (timer !== undefined) return;
    timer = window.setTimeout(() => {
      timer = undefined;
      load().catch(() => {});
    }, 1500);
  });
  return () => {
    unsubscribe();
    window.clearTimeout(timer);
  };
}

function drawHead(head: HTMLElement, vm: VmDetail): void {
  const labels = Object.entries(vm.labels ?? {});
  setChildren(head,
    el("div", { class: "page-head" },
      el("h1", {}, vm.name), pill(vm.state),
      vm.replay ? el("span", { class: "badge replay", title: "Replayed from a trace: no real VM is changed" }, "replay") : null,
      vm.morphInFlight != null ? pill("morphing", `morph ${vm.morphInFlight}`) : null),
    el("dl", { class: "facts" },
      fact("VMID", el("span", { class: "mono" }, vm.id)),
      fact("Source", vm.source),
      fact("Policy", vm.policy ?? "none (observed only)"),
      fact("vCPUs", `${num(vm.coresUsed, 2)} used of ${num(vm.cores, 0)}`),
      fact("Memory", `${mib(vm.memoryUsedMiB)} used of ${mib(vm.memoryMiB)}`),
      fact("Workload", vm.workload == null ? "–" : `${vm.workload.name}${vm.workload.name === "unknown" && vm.workload.bestGuess ? ` (best guess ${vm.workload.bestGuess})` : ""}`),
      fact("Dominant cycle", cycle(vm.profile.dominantCycle)),
      fact("Last observed", time(vm.lastObserved)),
      fact("Labels", labels.length === 0 ? el("span", { class: "muted" }, "none")
        : el("span", { class: "chips" }, labels.map(([k, v]) => el("span", { class: "chip" }, `${k}=${v}`)))),
      vm.lastDecision == null ? null : fact("Last decision", el("span", {},
        pill(vm.lastDecision.verdict), ` ${vm.lastDecision.trigger} · ${time(vm.lastDecision.at)} · ${vm.lastDecision.reason}`,
        vm.lastDecision.rule ? el("span", { class: "muted" }, ` (${vm.lastDecision.rule})`) : null))));
}

/** "every 1 d (strength 0.62)", or why there is none. */
function cycle(found: DominantCycle | null | undefined): Node | string {
  if (found == null) return el("span", { class: "muted", title: "No cycle from 1 h to a week stands out from noise" }, "none");
  return `every ${period(found.period)} (strength ${found.strength.toFixed(2)})`;
}

/** An ISO 8601 duration of days, hours and minutes in short words: P1DT12H -> "1 d 12 h". */
function period(iso: string): string {
  const parts = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso);
  if (parts == null) return iso;
  const words = [[parts[1], "d"], [parts[2], "h"], [parts[3], "min"]].filter(([n]) => n != null && n !== "0").map(([n, unit]) => `${n} ${unit}`);
  return words.length === 0 ? iso : words.join(" ");
}

function fact(term: string, description: Node | string): HTMLElement[] {
  return [el("dt", {}, term), el("dd", {}, description)];
}

/** The plan waiting for approval, with approve and reject; what they did is told in `notice`, which outlives the card. */
function drawPending(card: HTMLElement, notice: HTMLElement, vm: FleetItem, reload: () => Promise<void>): void {
  const plan = vm.pending;
  card.hidden = plan == null;
  if (plan == null) {
    setChildren(card);
    delete card.dataset.plan;
    return;
  }
  // The same plan as drawn: keep the card (and a reason being typed).
  if (card.dataset.plan === plan.planId) return;
  card.dataset.plan = plan.planId;
  const message = el("p", { class: "message", role: "status" });
  const reason = el("input", { type: "text", placeholder: "Why (recorded in the plan and the audit log)", class: "reason", "aria-label": "Reason for rejecting" });
  // What came of it is told in the notice, which outlives this card: the loop may have replaced the plan meanwhile
  // (a newer decision supersedes it), and the page then shows the new one.
  const tell = (text: string, failed: boolean) => {
    notice.textContent = text;
    notice.className = failed ? "notice failed" : "notice";
    notice.hidden = false;
    notice.dataset.told = String(Number(notice.dataset.told ?? "0") + 1);
  };
  const act = (button: HTMLButtonElement, action: () => Promise<PlanView>, done: string, verb: string) => {
    button.disabled = true;
    message.textContent = "";
    action()
      .then(
        (after) => tell(`${done} plan ${after.planId} (${after.target}): it is ${after.state} now.`, false),
        (e: unknown) => {
          button.disabled = false;
          tell(e instanceof api.ApiError && e.status === 403
            ? `Could not ${verb} plan ${plan.planId}: your token may not; approving and rejecting need the operator role.`
            : `Could not ${verb} plan ${plan.planId}: ${e instanceof Error ? e.message : String(e)}`, true);
        })
      .then(reload)
      // A refresh that fails is made again at the loop's next change.
      .catch(() => {});
  };
  const approve = el("button", { type: "button", class: "primary", id: "approve" }, "Approve and apply");
  approve.addEventListener("click", () => act(approve, () => api.approve(vm.id, plan.planId), "Approved", "approve"));
  const reject = el("button", { type: "button", class: "danger", id: "reject" }, "Reject");
  reject.addEventListener("click", () => {
    if (reason.value.trim() === "") {
      reason.focus();
      message.className = "message error";
      message.textContent = "Say why the plan is rejected.";
      return;
    }
    act(reject, () => api.reject(vm.id, plan.planId, reason.value.trim()), "Rejected", "reject");
  });
  setChildren(card,
    el("h2", {}, "Plan awaiting approval"),
    el("p", {}, el("b", {}, plan.target), ` · made by ${plan.origin} at ${time(plan.createdAt)} · `, el("span", { class: "mono small" }, plan.planId)),
    el("p", {}, plan.reason),
    plan.rendered ? el("pre", { class: "plan" }, plan.rendered) : null,
    el("div", { class: "actions" }, approve, reason, reject),
    message);
}

function drawTraits(card: HTMLElement, traits: Traits, open: Set<string>): void {
  const canvas = el("canvas", { id: "radar", "aria-label": "Trait vector" });
  const sorted = [...traits.traits].sort((a, b) => b.score - a.score);
  setChildren(card,
    el("h2", {}, "Traits"),
    el("p", { class: "muted", title: traits.workload.reason },
      `Workload: ${traits.workload.name}`, traits.workload.bestGuess && traits.workload.name === "unknown" ? ` (best guess ${traits.workload.bestGuess})` : "",
      ` · score ${traits.workload.score.toFixed(2)}, coverage ${Math.round(traits.workload.coverage * 100)}%`,
      runnerUp(traits.workload)),
    traits.traits.length === 0 ? el("p", { class: "muted" }, "No traits yet: too few observations.")
      : el("div", { class: "radar-box" }, canvas),
    el("ul", { class: "traits" }, sorted.map((t) => traitItem(t, open))));
  if (traits.traits.length > 0) traitRadar(canvas, traits.traits);
}

/** ", 0.31 ahead of web-server (0.12); decided by app.database, port.database", when there is a runner-up. */
function runnerUp(workload: Workload): string {
  if (workload.runnerUp == null) return "";
  const decidedBy = (workload.decidedBy ?? []).slice(0, 3).map((c) => c.feature);
  return `, ${(workload.margin ?? 0).toFixed(2)} ahead of ${workload.runnerUp} (${(workload.runnerUpScore ?? 0).toFixed(2)})`
    + (decidedBy.length === 0 ? "" : `; decided by ${decidedBy.join(", ")}`);
}

function traitItem(t: Trait, open: Set<string>): HTMLElement {
  const details = el("details", { open: open.has(t.trait) },
      el("summary", {},
        el("span", { class: "trait-name" }, t.trait),
        el("span", { class: "score" }, el("span", { style: `width:${Math.round(t.score * 100)}%` })),
        el("span", { class: "mono" }, t.score.toFixed(2)),
        el("span", { class: `muted small${t.coverage < 0.5 ? " warn" : ""}` }, `coverage ${Math.round(t.coverage * 100)}%`)),
      el("p", { class: "explanation" }, t.explanation),
      t.contributions.length === 0 ? null : el("table", { class: "contributions" },
        el("tr", {}, el("th", {}, "feature"), el("th", { class: "num" }, "value"), el("th", { class: "num" }, "weight")),
        t.contributions.map((c) => el("tr", {}, el("td", { class: "mono" }, c.inverted ? `1 − ${c.feature}` : c.feature),
          el("td", { class: "num" }, num(c.value, 3)), el("td", { class: "num" }, num(c.weight, 2))))),
      t.missing.length === 0 ? null : el("p", { class: "muted small" }, `Missing: ${t.missing.join(", ")}`));
  details.addEventListener("toggle", () => {
    if (details.open) open.add(t.trait);
    else open.delete(t.trait);
  });
  return el("li", {}, details);
}

function drawUsage(card: HTMLElement, usage: Usage): void {
  const points = usage.points;
  const cpuShort = (p: UsagePoint) => short(p.cpuShort, p.coresUsed, p.cores);
  const memoryShort = (p: UsagePoint) => short(p.memoryShort, p.memoryUsedMiB, p.memoryMiB);
  const cpuShortSamples = points.filter(cpuShort).length;
  const memoryShortSamples = points.filter(memoryShort).length;
  const cpu = el("canvas", { id: "cpu-usage", "aria-label": "CPU used against vCPUs" });
  const memory = el("canvas", { id: "memory-usage", "aria-label": "Memory used against allocated" });
  setChildren(card,
    el("h2", {}, "Usage against allocation"),
    el("p", { class: "muted" },
      points.length === 0 ? "No samples yet."
        : `${points.length} samples${usage.stepSeconds == null ? "" : `, one every ${num(usage.stepSeconds / 60, 1)} min`}, ${time(points[0]!.at)} to ${time(points.at(-1)!.at)} · `,
      points.length === 0 ? null : "short (use at or over the allocation, in red): ",
      points.length === 0 ? null : el("span", { class: cpuShortSamples > 0 ? "short-text" : "" }, `CPU in ${cpuShortSamples} sample${cpuShortSamples === 1 ? "" : "s"}`),
      points.length === 0 ? null : ", ",
      points.length === 0 ? null : el("span", { class: memoryShortSamples > 0 ? "short-text" : "" }, `memory in ${memoryShortSamples}`)),
    el("div", { class: "chart-box" }, cpu),
    el("div", { class: "chart-box" }, memory));
  if (points.length === 0) return;
  usageChart("cpu", cpu, points, (p) => p.coresUsed, (p) => p.cores, "cores", cpuShort);
  usageChart("memory", memory, points, (p) => p.memoryUsedMiB, (p) => p.memoryMiB, "MiB", memoryShort);
}

function drawHistory(card: HTMLElement, versions: ConfigurationVersion[]): void {
  const newestFirst = [...versions].sort((a, b) => b.version - a.version);
  setChildren(card,
    el("h2", {}, "Configuration history"),
    newestFirst.length === 0 ? el("p", { class: "muted" }, "No configuration recorded yet.") : null,
    el("ol", { class: "timeline" }, newestFirst.map(versionItem)));
}

/** A configuration value for people: sizes in bytes (memory, disks) in binary units, the rest as it is. */
function setting(path: string, v: unknown): string {
  if (typeof v === "number" && /^memory\.|\.(capacity|allocation|bytes)$/.test(path)) return `${bytes(v)} (${v.toLocaleString("en")} B)`;
  return value(v);
}

/** A version on the timeline: its changes as a diff, or (the first) its whole configuration folded. */
function versionItem(v: ConfigurationVersion): HTMLElement {
  const changes = v.changes.length === 0
    ? el("details", {},
      el("summary", {}, `${Object.keys(v.configuration).length} settings`),
      el("table", { class: "diff" }, Object.entries(v.configuration).map(([k, x]) =>
        el("tr", {}, el("td", { class: "mono" }, k), el("td", {}, setting(k, x))))))
    : el("table", { class: "diff" }, v.changes.map((c) =>
      c.kind === "+"
        ? el("tr", {}, el("td", { class: "mono added" }, `+ ${c.path}`), el("td", { colspan: 3, class: "after" }, setting(c.path, c.after)))
        : c.kind === "-"
          ? el("tr", {}, el("td", { class: "mono before" }, `− ${c.path}`), el("td", { colspan: 3, class: "before" }, setting(c.path, c.before)))
          : el("tr", {},
            el("td", { class: "mono" }, c.path),
            el("td", { class: "before" }, setting(c.path, c.before)),
            el("td", { class: "arrow" }, "→"),
            el("td", { class: "after" }, setting(c.path, c.after)))));
  return el("li", { "data-version": v.version },
    el("div", { class: "when" }, el("b", {}, `v${v.version}`), " ", time(v.observedAt), " · ", v.cause,
      el("span", { class: "mono muted small", title: "content hash" }, ` ${v.contentHash.slice(0, 12)}`)),
    changes);
}

function drawMorphs(
  card: HTMLElement, vm: FleetItem, morphs: Morph[], plans: PlanView[], open: Set<string>, reload: () => Promise<void>,
): void {
  const message = el("p", { class: "message", role: "status" });
  const rollback = el("button", { type: "button", class: "danger", id: "rollback", title: "Roll the last morph back through its journal" }, "Roll back last morph");
  let armed = false;
  rollback.addEventListener("click", () => {
    if (!armed) {
      armed = true;
      rollback.textContent = "Click again to roll back";
      return;
    }
    rollback.disabled = true;
    api.rollback(vm.id).then(async (r) => {
      message.className = "message";
      message.textContent = `Rollback started: morph ${r.morphId}.`;
      await reload();
    }).catch((e: unknown) => {
      message.className = "message error";
      message.textContent = e instanceof api.ApiError && e.status === 403
        ? "Your token may not do this: rolling back needs the operator role." : String(e instanceof Error ? e.message : e);
      rollback.disabled = false;
    });
  });
  const planById = new Map(plans.map((p) => [p.planId, p]));
  setChildren(card,
    el("div", { class: "card-head" }, el("h2", {}, "Morphs"), el("span", { class: "spacer" }), morphs.length > 0 ? rollback : null),
    message,
    morphs.length === 0 ? el("p", { class: "muted" }, "No morph yet.") : null,
    el("ol", { class: "morphs" }, morphs.map((m) => morphItem(vm.id, m, planById.get(m.planId), open))),
    plans.length === 0 ? null : el("h3", {}, "Plans"),
    plans.length === 0 ? null : el("table", { class: "plans" },
      el("tr", {}, el("th", {}, "made"), el("th", {}, "target"), el("th", {}, "by"), el("th", {}, "state")),
      plans.map((p) => el("tr", { "data-plan": p.planId },
        el("td", {}, time(p.createdAt)), el("td", { title: p.reason }, p.target), el("td", {}, p.origin),
        el("td", { title: p.rejectedBecause ?? "" }, pill(p.state), p.rejectedBecause ? el("span", { class: "muted small" }, ` ${p.rejectedBecause}`) : null)))));
}

function morphItem(vmId: string, m: Morph, plan: PlanView | undefined, open: Set<string>): HTMLElement {
  const details = el("details");
  const body = el("div", { class: "journal" });
  const fill = () => {
    setChildren(body, el("p", { class: "muted" }, "Loading the journal…"));
    Promise.all([api.journal(m.morphId), api.plan(vmId, m.planId).catch(() => plan)])
      .then(([journal, full]) => setChildren(body,
        m.guardVerdict == null ? null : guardTable(m.guardVerdict),
        full?.rendered ? el("pre", { class: "plan" }, full.rendered) : null,
        el("table", { class: "entries" },
          el("tr", {}, el("th", {}, "#"), el("th", {}, "at"), el("th", {}, "phase"), el("th", {}, "state"), el("th", {}, "event")),
          journal.entries.map((e) => el("tr", {}, el("td", { class: "num" }, e.sequence), el("td", { class: "mono small" }, time(e.at)),
            el("td", {}, pill(e.phase)), el("td", {}, e.state), el("td", { class: "mono small" }, e.event))))))
      .catch((e: unknown) => setChildren(body, el("p", { class: "error" }, String(e instanceof Error ? e.message : e))));
  };
  details.addEventListener("toggle", () => {
    if (details.open) {
      open.add(m.morphId);
      fill();
    } else open.delete(m.morphId);
  });
  const verdict = m.guardVerdict;
  setChildren(details,
    el("summary", {},
      el("span", { class: "mono small" }, time(m.createdAt)), " ",
      el("b", {}, m.kind), m.kind === "apply" ? ` → ${m.target}` : "", " ",
      pill(m.result, `phase ${m.phase}`),
      verdict == null ? null : el("span", { class: "small", title: verdict.reason }, " guard ", pill(verdict.decision))),
    el("p", { class: "muted small" },
      `morph ${m.morphId} · plan ${m.planId}`, plan ? ` (${plan.origin}: ${plan.reason})` : "",
      ` · updated ${time(m.updatedAt)}`, m.committedVersion != null ? ` · committed as v${m.committedVersion}` : ""),
    m.notes.length === 0 && m.discarded == null ? null
      : el("p", { class: "small" }, [m.discarded ?? "", ...m.notes].filter((n) => n !== "").join(" · ")),
    body);
  details.open = open.has(m.morphId);
  return el("li", { "data-morph": m.morphId }, details);
}

/** The guard's verdict: its decision and reason, and each signal's judgement. */
function guardTable(verdict: GuardVerdict): HTMLElement {
  return el("div", { class: "guard" },
    el("p", {}, "Guard: ", pill(verdict.decision), verdict.inconclusive ? " (inconclusive) " : " ", verdict.reason),
    verdict.signals.length === 0 ? null : el("table", { class: "entries" },
      verdict.signals.map((g) => el("tr", {}, el("td", { class: "mono small" }, g.name), el("td", {}, pill(g.outcome)), el("td", { class: "small" }, g.reason)))));
}
