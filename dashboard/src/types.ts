// The JSON shapes of the vmorph serve API (/api/v1), as docs/API.md gives them.

export interface Page<T> {
  total: number;
  offset: number;
  limit: number;
  items: T[];
  /** Set on the fleet list when the fleet is replayed from a trace. */
  replay?: boolean;
}

export interface Workload {
  name: string;
  bestGuess: string | null;
  score: number;
  coverage: number;
  reason: string;
}

export interface TraitScore {
  trait: string;
  score: number;
}

export interface PlanView {
  planId: string;
  vm: string;
  vmName: string;
  target: string;
  origin: string;
  reason: string;
  state: string;
  createdAt: string;
  decidedBy?: string | null;
  decidedAt?: string | null;
  rejectedBecause?: string | null;
  morphId?: string | null;
  rendered?: string;
  planJson?: string;
}

export interface DecisionView {
  at: string;
  trigger: string;
  reason: string;
  verdict: string;
  rule?: string | null;
  cores?: number | null;
  memoryMiB?: number | null;
  targetProfile?: string | null;
  planId?: string | null;
}

export interface FleetItem {
  id: string;
  name: string;
  source: string;
  replay: boolean;
  state: string;
  policy: string | null;
  labels: Record<string, string>;
  cores: number | null;
  memoryMiB: number | null;
  coresUsed: number | null;
  memoryUsedMiB: number | null;
  lastObserved: string | null;
  workload: Workload | null;
  traits: TraitScore[];
  pending: PlanView | null;
  morphInFlight: string | null;
  lastDecision: DecisionView | null;
}

export interface Contribution {
  feature: string;
  value: number;
  weight: number;
  inverted: boolean;
}

export interface Trait {
  trait: string;
  kind: string;
  score: number;
  coverage: number;
  explanation: string;
  contributions: Contribution[];
  missing: string[];
}

export interface Traits {
  id: string;
  name: string;
  workload: Workload;
  traits: Trait[];
}

export interface ConfigurationChange {
  key: string;
  before: unknown;
  after: unknown;
}

export interface ConfigurationVersion {
  version: number;
  contentHash: string;
  observedAt: string;
  cause: string;
  configuration: Record<string, unknown>;
  changes: ConfigurationChange[];
}

export interface History {
  versions: ConfigurationVersion[];
}

export interface UsagePoint {
  at: string;
  coresUsed: number | null;
  cores: number | null;
  memoryUsedMiB: number | null;
  memoryMiB: number | null;
  /** Whether (or by how many cores) CPU use exceeded the allocation in this sample. */
  cpuShort: boolean | number | null;
}

export interface Usage {
  stepSeconds: number;
  points: UsagePoint[];
}

export interface Morph {
  morphId: string;
  kind: string;
  target: string | null;
  planId: string | null;
  phase: string;
  createdAt: string;
  updatedAt: string;
  finished: boolean;
  result: string | null;
  guardVerdict: string | null;
  notes: string | null;
}

export interface JournalEntry {
  sequence: number;
  at: string;
  state: string;
  event: string;
}

export interface Journal {
  morph: Morph;
  entries: JournalEntry[];
}

export interface LoopEvent {
  at: string;
  kind: string;
  vm: string;
  vmName: string;
  summary: string;
}
