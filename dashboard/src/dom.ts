// A small DOM builder: text always goes in as text (VM names and reasons come from traces and people).

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") node.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A formatted number, or an en dash when there is none. */
export function num(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return value.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Memory in MiB, shown in GiB from 1024 MiB. */
export function mib(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return value >= 1024 ? `${num(value / 1024, 1)} GiB` : `${num(value, 0)} MiB`;
}

/** Bytes in binary units (KiB, MiB, GiB, TiB). */
export function bytes(value: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = value;
  let unit = 0;
  while (Math.abs(v) >= 1024 && unit < units.length - 1) {
    v /= 1024;
    unit++;
  }
  return `${num(v, unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A UTC time as "2026-12-02 03:40:12" (a replay's clock is the trace's, so relative times would mislead). */
export function time(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return "–";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace("T", " ").replace(/\.\d+Z$|Z$/, "");
}

/** A configuration value for people. */
export function value(v: unknown): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A state as a coloured pill (its class is the state's name). */
export function pill(state: string, title?: string): HTMLSpanElement {
  return el("span", { class: `pill s-${state.replace(/[^a-z0-9-]/gi, "")}`, title }, state);
}

/** Replaces a node's children, skipping the absent ones as `el` does. */
export function setChildren(node: Element, ...children: (Child | Child[])[]): void {
  node.replaceChildren(...children.flat().filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false)
    .map((c) => (c instanceof Node ? c : String(c))));
}
