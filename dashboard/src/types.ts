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
  /** The second strongest archetype, absent when there is none. */
  runnerUp?: string | null;
  runnerUpScore?: number;
  /** The best guess's lead over the runner-up. */
  margin?: number;
  /** The features that made the best guess's score, largest contribution first. */
  decidedBy?: Contribution[];
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

/** A VM in the fleet; a field without a value is left out. */
export interface FleetItem {
  id: string;
  name: string;
  source: string;
  replay: boolean;
  state: string;
  policy?: string | null;
  labels: Record<string, string>;
  cores?: number | null;
  memoryMiB?: number | null;
  coresUsed?: number | null;
  memoryUsedMiB?: number | null;
  lastObserved?: string | null;
  workload: Workload | null;
  traits: TraitScore[];
  pending?: PlanView | null;
  morphInFlight?: string | null;
  lastDecision?: DecisionView | null;
}

/** The VM's dominant cycle: its period (an ISO 8601 duration) and strength (0 to 1); absent without one. */
export interface DominantCycle {
  period: string;
  strength: number;
}

/** `GET /vms/{vm}`: the fleet item and the parts of its profile the page shows. */
export interface VmDetail extends FleetItem {
  profile: { dominantCycle?: DominantCycle | null };
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
  path: string;
  before?: unknown;
  after?: unknown;
  /** `+` added, `-` removed, `~` changed. */
  kind: string;
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
  id: string;
  name: string;
  versions: ConfigurationVersion[];
}

/** A sample of the raw window; a value not measured is left out. */
export interface UsagePoint {
  at: string;
  coresUsed?: number | null;
  cores?: number | null;
  memoryUsedMiB?: number | null;
  memoryMiB?: number | null;
  /** Whether CPU use exceeded the allocation in this sample. */
  cpuShort: boolean;
  memoryShort: boolean;
}

export interface Usage {
  /** The usual time between two samples (their median), absent with fewer than two. */
  stepSeconds?: number | null;
  points: UsagePoint[];
}

export interface SignalJudgement {
  name: string;
  outcome: string;
  reason: string;
}

export interface GuardVerdict {
  /** `keep` or `roll-back`. */
  decision: string;
  signals: SignalJudgement[];
  inconclusive: boolean;
  reason: string;
}

export interface Morph {
  morphId: string;
  kind: string;
  target: string;
  planId: string;
  phase: string;
  createdAt: string;
  updatedAt: string;
  finished: boolean;
  /** `committed`, `rolled-back`, `failed` or `running`. */
  result: string;
  committedVersion?: number | null;
  guardVerdict?: GuardVerdict | null;
  discarded?: string | null;
  notes: string[];
}

export interface JournalEntry {
  sequence: number;
  at: string;
  phase: string;
  /** The state in words. */
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
