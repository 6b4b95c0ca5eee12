import type { settlementJson } from "../../settlements/http-response.js";

/** A settlement as the API lists it. */
export type SettlementRow = ReturnType<typeof settlementJson>;
type Status = SettlementRow["status"];

// Status only moves forward: an event older than the listed row must not pull it back.
const RANK: Record<Status, number> = { pending: 0, submitted: 1, confirming: 2, confirmed: 3, settled: 4, failed: 4 };

const body = () => document.querySelector<HTMLTableSectionElement>("#settlements tbody")!;
const rowOf = (id: string) => document.querySelector<HTMLTableRowElement>(`tr[data-settlement-id="${CSS.escape(id)}"]`);

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

/** True when the settlement has a row. */
export const hasRow = (id: string) => rowOf(id) !== null;

/** Empties the table. */
export const clearTable = () => body().replaceChildren();

/** Adds (on top) or refreshes the row of `s`. */
export function renderSettlement(s: SettlementRow): void {
  let tr = rowOf(s.id);
  if (!tr) {
    tr = document.createElement("tr");
    tr.dataset.settlementId = s.id;
    const status = cell("");
    status.append(Object.assign(document.createElement("span"), { className: "status" }));
    const progress = cell("");
    progress.append(document.createElement("progress"), " ", Object.assign(document.createElement("span"), { className: "count" }));
    tr.append(cell(s.id, "id"), cell(`${s.amount} ${s.currency}`), cell(s.network ?? "-", "network"), status, progress);
    body().prepend(tr);
  }
  setNetwork(s.id, s.network);
  setStatus(s.id, s.status);
  setProgress(s.id, s.confirmations, s.required_confirmations);
}

/** Shows `network` on the row, if the row exists. */
export function setNetwork(id: string, network: string | null): void {
  const td = rowOf(id)?.querySelector(".network");
  if (td) td.textContent = network ?? "-";
}

/** Moves the row's status forward to `status` (never back). */
export function setStatus(id: string, status: Status): void {
  const badge = rowOf(id)?.querySelector<HTMLSpanElement>(".status");
  if (!badge) return;
  const current = badge.dataset.status as Status | undefined;
  if (current !== undefined && RANK[current] >= RANK[status]) return;
  badge.dataset.status = status;
  badge.textContent = status;
  badge.className = `status ${status}`;
}

/** Moves the row's progress bar forward to `confirmations` of `required`. */
export function setProgress(id: string, confirmations: number, required: number): void {
  const tr = rowOf(id);
  if (!tr) return;
  if (tr.dataset.confirmations !== undefined && Number(tr.dataset.confirmations) > confirmations) return;
  tr.dataset.confirmations = String(confirmations);
  const progress = tr.querySelector("progress")!;
  progress.max = required;
  progress.value = Math.min(confirmations, required);
  tr.querySelector(".count")!.textContent = `${confirmations} / ${required}`;
}
