import { defineProjection, platformCatalog, type DomainEvent } from "@org/events";
import { DEFAULT_REQUIRED_CONFIRMATIONS, type Settlement } from "./settlement.js";

/** Applies an event's changes to an existing settlement, stamping its version and time. */
function step(state: Settlement | null, event: DomainEvent<string, unknown>, changes: Partial<Settlement>): Settlement {
  if (state === null) throw new Error(`${event.eventType} ${event.id} came before settlement.created`);
  return { ...state, ...changes, version: event.aggregateVersion, updatedAt: event.createdAt };
}

/**
 * Rebuilds a settlement from its events alone (the witness of event completeness, INV-S5 in docs/DESIGN.md):
 * every stored field, its version and its timestamps (an event is written in
 * the transaction of its change, whose now() the row also takes).
 */
export const settlementProjection = defineProjection(platformCatalog, {
  initialState: (): Settlement | null => null,
  on: {
    "settlement.created": (_state, event): Settlement => ({
      id: event.payload.settlementId,
      tenantId: event.tenantId,
      status: "pending",
      amount: event.payload.amount,
      currency: event.payload.currency ?? "",
      network: event.payload.network,
      paymentId: event.payload.paymentId ?? null,
      requiredConfirmations: event.payload.requiredConfirmations ?? DEFAULT_REQUIRED_CONFIRMATIONS,
      confirmations: 0,
      score: null,
      reasoning: null,
      gasEstimate: null,
      gasActual: null,
      txHash: null,
      error: null,
      version: event.aggregateVersion,
      createdAt: event.createdAt,
      updatedAt: event.createdAt,
    }),
    "settlement.network_selected": (state, event) =>
      step(state, event, { network: event.payload.network, score: event.payload.score, reasoning: event.payload.reasoning }),
    "settlement.gas_estimated": (state, event) => step(state, event, { gasEstimate: event.payload.gasEstimate }),
    "settlement.status_changed": (state, event) => {
      const { toStatus, confirmations, txHash } = event.payload;
      return step(state, event, {
        status: toStatus,
        ...(confirmations === undefined ? {} : { confirmations }),
        ...(txHash === undefined ? {} : { txHash }),
      });
    },
    "settlement.confirmation_progress": (state, event) => step(state, event, { confirmations: event.payload.confirmations }),
    "settlement.settled": (state, event) => step(state, event, { gasActual: event.payload.gasActual, txHash: event.payload.txHash }),
    "settlement.failed": (state, event) => step(state, event, { error: event.payload.error }),
  },
});
