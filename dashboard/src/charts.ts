import {
  Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, RadarController,
  RadialLinearScale, Tooltip, type ChartDataset,
} from "chart.js";
import { time } from "./dom";
import type { Trait, UsagePoint } from "./types";

Chart.register(RadarController, RadialLinearScale, LineController, LineElement, PointElement, LinearScale, Filler, Tooltip, Legend);
Chart.defaults.font.family = getComputedStyle(document.documentElement).getPropertyValue("--font").trim() || "system-ui";
Chart.defaults.animation = false;

/** The charts on screen, by name: what the browser test reads the drawn data from. */
const charts = new Map<string, Chart>();
(window as unknown as { vmorphCharts: Map<string, Chart> }).vmorphCharts = charts;

function replace(name: string, chart: Chart): Chart {
  charts.get(name)?.destroy();
  charts.set(name, chart);
  return chart;
}

/** Destroys every chart (the page is leaving). */
export function destroyCharts(): void {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
}

const blue = "#2563eb";
const grey = "#64748b";
const red = "rgba(220, 38, 38, 0.45)";

/** The trait vector as a radar: each trait's score (0 to 1); the tooltip gives its coverage. */
export function traitRadar(canvas: HTMLCanvasElement, traits: Trait[]): Chart {
  return replace("radar", new Chart(canvas, {
    type: "radar",
    data: {
      labels: traits.map((t) => t.trait),
      datasets: [{
        label: "score",
        data: traits.map((t) => t.score),
        borderColor: blue,
        backgroundColor: "rgba(37, 99, 235, 0.18)",
        pointBackgroundColor: traits.map((t) => (t.coverage < 0.5 ? "#f59e0b" : blue)),
        pointRadius: 3,
      }],
    },
    options: {
      maintainAspectRatio: false,
      scales: { r: { min: 0, max: 1, ticks: { stepSize: 0.25, display: false }, pointLabels: { font: { size: 11 } } } },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => {
              const t = traits[item.dataIndex]!;
              return `${t.score.toFixed(2)} (coverage ${Math.round(t.coverage * 100)}%)`;
            },
          },
        },
      },
    },
  }));
}

/**
 * Whether a sample ran short: its use exceeded the allocation (the API's flag), or reached it (a replay caps use at
 * the allocation, so a VM that wanted more shows as using exactly what it has).
 */
export function short(flag: boolean, used: number | null | undefined, allocated: number | null | undefined): boolean {
  return flag || (used != null && allocated != null && allocated > 0 && used >= allocated);
}

/**
 * Usage against allocation over time: the allocation as a step line, usage as a line, and the area where usage
 * exceeds the allocation (a shortfall) filled red.
 */
export function usageChart(
  name: string,
  canvas: HTMLCanvasElement,
  points: UsagePoint[],
  used: (p: UsagePoint) => number | null | undefined,
  allocated: (p: UsagePoint) => number | null | undefined,
  unit: string,
  isShort: (p: UsagePoint) => boolean,
): Chart {
  const at = points.map((p) => Date.parse(p.at));
  const first = at[0] ?? 0;
  const last = at.at(-1) ?? 0;
  const usage: ChartDataset<"line", { x: number; y: number | null }[]> = {
    label: `used (${unit})`,
    data: points.map((p, i) => ({ x: at[i]!, y: used(p) ?? null })),
    borderColor: blue,
    borderWidth: 1.5,
    pointRadius: 0,
    fill: { target: 1, above: red, below: "transparent" },
    spanGaps: false,
  };
  const allocation: ChartDataset<"line", { x: number; y: number | null }[]> = {
    label: `allocated (${unit})`,
    data: points.map((p, i) => ({ x: at[i]!, y: allocated(p) ?? null })),
    borderColor: grey,
    borderWidth: 1.5,
    borderDash: [5, 3],
    pointRadius: 0,
    stepped: "before",
    fill: false,
  };
  const shortfall: ChartDataset<"line", { x: number; y: number | null }[]> = {
    label: "short (use at or over the allocation)",
    data: points.map((p, i) => ({ x: at[i]!, y: isShort(p) ? used(p) ?? null : null })),
    borderColor: "#dc2626",
    backgroundColor: "#dc2626",
    showLine: false,
    pointRadius: 2.5,
    pointStyle: "rectRot",
  };
  return replace(name, new Chart(canvas, {
    type: "line",
    data: { datasets: [usage, allocation, shortfall] },
    options: {
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: {
          type: "linear", min: first, max: last,
          afterBuildTicks: (axis) => {
            axis.ticks = roundTimes(first, last).map((value) => ({ value }));
          },
          ticks: { callback: (v) => time(new Date(Number(v)).toISOString()).slice(5, 16) },
        },
        y: { beginAtZero: true, title: { display: true, text: unit } },
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: { callbacks: { title: (items) => time(new Date(items[0]!.parsed.x ?? 0).toISOString()) } },
      },
    },
  }));
}

/** At most 7 round times (whole hours or days, UTC) between `first` and `last` (ms), for the time axis. */
function roundTimes(first: number, last: number): number[] {
  const hour = 3_600_000;
  const steps = [1, 2, 3, 6, 12, 24, 48, 96, 168, 336, 720].map((h) => h * hour);
  const step = steps.find((s) => (last - first) / s <= 7) ?? steps.at(-1)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(first / step) * step; t <= last; t += step) ticks.push(t);
  return ticks;
}
