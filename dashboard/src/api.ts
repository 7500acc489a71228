import { currentToken } from "./token";
import type {
  FleetItem, History, Journal, Morph, Page, PlanView, Traits, Usage, VmDetail,
} from "./types";

/** An API error, from its RFC 7807 problem details when the server sent them. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly title: string, readonly detail: string | null) {
    super(detail === null || detail === "" ? `${status} ${title}` : `${title}: ${detail}`);
  }
}

/** Raised on 401: the token is missing, wrong or revoked. */
export class Unauthorized extends ApiError {}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = currentToken();
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

async function errorOf(response: Response): Promise<ApiError> {
  let title = response.statusText;
  let detail: string | null = null;
  try {
    const problem = (await response.json()) as { title?: string; detail?: string };
    title = problem.title ?? title;
    detail = problem.detail ?? null;
  } catch {
    // Not problem details (a proxy's page): the status line says enough.
  }
  return response.status === 401
    ? new Unauthorized(401, title, detail)
    : new ApiError(response.status, title, detail);
}

const vm = (id: string) => `/api/v1/vms/${encodeURIComponent(id)}`;

/** The whole fleet, page by page (500 a page, the API's limit). */
export async function fleet(): Promise<{ items: FleetItem[]; replay: boolean }> {
  const items: FleetItem[] = [];
  let replay = false;
  for (let offset = 0; ; offset += 500) {
    const page = await request<Page<FleetItem>>("GET", `/api/v1/fleet?offset=${offset}&limit=500`);
    items.push(...page.items);
    replay ||= page.replay === true;
    if (page.items.length === 0 || items.length >= page.total) break;
  }
  return { items, replay };
}

export const vmDetail = (id: string) => request<VmDetail>("GET", vm(id));
export const traits = (id: string) => request<Traits>("GET", `${vm(id)}/traits`);
export const history = (id: string) => request<History>("GET", `${vm(id)}/history`);
export const usage = (id: string) => request<Usage>("GET", `${vm(id)}/usage`);
export const plans = (id: string) => request<Page<PlanView>>("GET", `${vm(id)}/plans?limit=20`);
export const morphs = (id: string) => request<Page<Morph>>("GET", `${vm(id)}/morphs?limit=20`);
export const journal = (morphId: string) =>
  request<Journal>("GET", `/api/v1/morphs/${encodeURIComponent(morphId)}/journal`);

export const approve = (id: string, planId: string) =>
  request<PlanView>("POST", `${vm(id)}/plans/${encodeURIComponent(planId)}/approve`);
export const reject = (id: string, planId: string, reason: string) =>
  request<PlanView>("POST", `${vm(id)}/plans/${encodeURIComponent(planId)}/reject`, { reason });
export const rollback = (id: string) => request<{ morphId: string }>("POST", `${vm(id)}/rollback`);
export const plan = (id: string, planId: string) => request<PlanView>("GET", `${vm(id)}/plans/${encodeURIComponent(planId)}`);
