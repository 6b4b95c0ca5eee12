import type { SettlementResponse } from "../http/response-schemas.js";
import type { Settlement } from "./settlement.js";

/** A settlement as the API shows it: snake_case, money as decimal strings, ISO times. */
export function settlementJson(s: Settlement): SettlementResponse {
  return {
    id: s.id,
    status: s.status,
    amount: s.amount,
    currency: s.currency,
    network: s.network,
    payment_id: s.paymentId,
    required_confirmations: s.requiredConfirmations,
    confirmations: s.confirmations,
    score: s.score,
    reasoning: s.reasoning,
    gas_estimate: s.gasEstimate,
    gas_actual: s.gasActual,
    tx_hash: s.txHash,
    error: s.error,
    version: s.version,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}
