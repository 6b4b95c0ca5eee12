import type { PayloadOf, PlatformCatalog, SETTLEMENT_STATUSES } from "@org/events";

/** Where a settlement is in its lifecycle. */
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];

/** Statuses no command may leave. */
export const FINAL_STATUSES: ReadonlySet<SettlementStatus> = new Set(["settled", "failed"]);

/** A settlement's domain state, camelCase (snake_case lives only at the HTTP edge and in SQL). */
export interface Settlement {
  id: string;
  tenantId: string;
  status: SettlementStatus;
  amount: string;
  currency: string;
  network: string | null;
  paymentId: string | null;
  requiredConfirmations: number;
  confirmations: number;
  score: number | null;
  reasoning: string | null;
  gasEstimate: string | null;
  gasActual: string | null;
  txHash: string | null;
  error: string | null;
  /** The aggregate version of its last event. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What a client gives to open a settlement. */
export interface NewSettlement {
  amount: string;
  currency: string;
  network: string | null;
  paymentId: string | null;
  requiredConfirmations: number;
}

/** The commands that move a settlement; each maps to one POST route. */
export type SettlementCommand =
  | { type: "select_network"; network: string; score: number; reasoning: string }
  | { type: "estimate_gas"; gasEstimate: string }
  | { type: "submit"; txHash: string }
  | { type: "record_confirmations"; confirmations: number }
  | { type: "settle"; gasActual: string }
  | { type: "fail"; error: string };

type SettlementEventType = Extract<PlatformCatalog["eventTypes"][number], `settlement.${string}`>;

/** One settlement event to record, typed by the platform catalog. */
export type SettlementEvent = {
  [T in SettlementEventType]: { eventType: T; payload: PayloadOf<PlatformCatalog, T> };
}[SettlementEventType];

/** @default 12 confirmations, when a client does not ask for another number. */
export const DEFAULT_REQUIRED_CONFIRMATIONS = 12;
