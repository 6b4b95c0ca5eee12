import { invalidTransition } from "../errors.js";
import {
  FINAL_STATUSES,
  type NewSettlement,
  type Settlement,
  type SettlementCommand,
  type SettlementEvent,
  type SettlementStatus,
} from "./settlement.js";

/** The outcome of a command: the state after it and the events that say so, in order. */
export interface Decision {
  next: Settlement;
  events: SettlementEvent[];
}

/** The events that open a settlement (the row itself is built by the caller). */
export function creationEvents(id: string, input: NewSettlement): SettlementEvent[] {
  return [
    {
      eventType: "settlement.created",
      payload: {
        settlementId: id,
        network: input.network,
        amount: input.amount,
        currency: input.currency,
        paymentId: input.paymentId,
        requiredConfirmations: input.requiredConfirmations,
      },
    },
  ];
}

/**
 * Decides a command against the current state, purely: returns the next
 * state and its events, with `settlement.status_changed` for every status
 * change, or throws AppError `invalid_transition` when the lifecycle
 * forbids it. `next.version` counts the events.
 */
export function decide(current: Settlement, command: SettlementCommand): Decision {
  if (FINAL_STATUSES.has(current.status)) {
    throw invalidTransition(`settlement ${current.id} is ${current.status}: no command applies to a final settlement`);
  }
  const events: SettlementEvent[] = [];
  let next: Settlement = { ...current };
  const settlementId = current.id;
  const moveTo = (toStatus: SettlementStatus, extra: { confirmations?: number; txHash?: string } = {}) => {
    events.push({
      eventType: "settlement.status_changed",
      payload: { settlementId, fromStatus: next.status, toStatus, network: next.network, ...extra },
    });
    next = { ...next, status: toStatus };
  };
  const requireStatus = (allowed: readonly SettlementStatus[], action: string) => {
    if (!allowed.includes(current.status)) {
      throw invalidTransition(`cannot ${action} a ${current.status} settlement (allowed from: ${allowed.join(", ")})`);
    }
  };

  switch (command.type) {
    case "select_network": {
      requireStatus(["pending"], "select a network for");
      const { network, score, reasoning } = command;
      events.push({ eventType: "settlement.network_selected", payload: { settlementId, network, score, reasoning } });
      next = { ...next, network, score, reasoning };
      break;
    }
    case "estimate_gas": {
      requireStatus(["pending"], "estimate gas for");
      events.push({ eventType: "settlement.gas_estimated", payload: { settlementId, network: next.network, gasEstimate: command.gasEstimate } });
      next = { ...next, gasEstimate: command.gasEstimate };
      break;
    }
    case "submit": {
      requireStatus(["pending"], "submit");
      moveTo("submitted", { txHash: command.txHash });
      next = { ...next, txHash: command.txHash };
      break;
    }
    case "record_confirmations": {
      requireStatus(["submitted", "confirming"], "record confirmations of");
      const { confirmations } = command;
      if (confirmations < current.confirmations) {
        throw invalidTransition(`confirmations cannot go down (from ${current.confirmations} to ${confirmations})`);
      }
      if (current.status === "submitted") moveTo("confirming", { confirmations });
      const required = current.requiredConfirmations;
      events.push({ eventType: "settlement.confirmation_progress", payload: { settlementId, confirmations, required, network: next.network } });
      next = { ...next, confirmations };
      if (confirmations >= required) moveTo("confirmed", { confirmations });
      break;
    }
    case "settle": {
      requireStatus(["confirmed"], "settle");
      moveTo("settled");
      // A confirmed settlement was submitted, so it has its transaction hash.
      events.push({ eventType: "settlement.settled", payload: { settlementId, network: next.network, txHash: next.txHash ?? "", gasActual: command.gasActual } });
      next = { ...next, gasActual: command.gasActual };
      break;
    }
    case "fail": {
      moveTo("failed");
      events.push({ eventType: "settlement.failed", payload: { settlementId, network: next.network, error: command.error } });
      next = { ...next, error: command.error };
      break;
    }
  }
  return { next: { ...next, version: current.version + events.length }, events };
}
