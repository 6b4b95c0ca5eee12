import type { deadLetterJson } from "../../operations/dead-letter-routes.js";
import type { outboxStatsResponse } from "../../operations/outbox-stats-routes.js";
import type { z } from "zod";
import { api } from "./api.js";

type Stats = z.output<typeof outboxStatsResponse>;
type Endpoint = Stats["endpoints"][number];
type DeadLetter = ReturnType<typeof deadLetterJson>;

/** How often the panel reads the figures again. */
const REFRESH_MS = 2_000;

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

/** failing: dead letters or retries; behind: a backlog; healthy otherwise. */
const healthOf = (e: Endpoint) => (e.dead_letters > 0 || e.retrying > 0 ? "failing" : e.backlog > 0 ? "behind" : "healthy");

function endpointRow(e: Endpoint): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.dataset.webhookId = e.webhook_id;
  const health = cell("");
  health.append(Object.assign(document.createElement("span"), { className: `health ${healthOf(e)}`, textContent: healthOf(e) }));
  const p95 = e.this_instance?.latency_ms?.p95;
  tr.append(
    cell(e.webhook_id, "id"),
    cell(e.url),
    health,
    cell(String(e.backlog), "backlog"),
    cell(String(e.retrying), "retrying"),
    cell(String(e.dead_letters), "dead-letters"),
    cell(p95 === undefined ? "-" : `${Math.round(p95)} ms`),
    cell(e.last_error ?? ""),
  );
  return tr;
}

function deadLetterRow(letter: DeadLetter, onRequeue: (id: string) => void): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.dataset.deadLetterId = letter.id;
  const action = cell("");
  const button = Object.assign(document.createElement("button"), { className: "requeue", textContent: "Requeue", type: "button" });
  button.addEventListener("click", () => {
    button.disabled = true;
    onRequeue(letter.id);
  });
  action.append(button);
  tr.append(cell(letter.event.id, "id"), cell(letter.event.type), cell(letter.webhook_id ?? letter.group, "id"), cell(String(letter.attempts)), cell(letter.last_error ?? ""), action);
  return tr;
}

/**
 * The tenant's webhook endpoints with their delivery health (from
 * `GET /api/v1/outbox/stats`) and its dead letters, each with a requeue
 * button, read again every 2 s and after each requeue. Returns a function
 * that stops it.
 */
export function startOperationsPanel({ onError }: { onError: (error: unknown) => void }): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function load(): Promise<void> {
    const [stats, letters] = await Promise.all([api<Stats>("/api/v1/outbox/stats"), api<{ items: DeadLetter[] }>("/api/v1/dead-letters?limit=50")]);
    if (stopped) return;
    document.querySelector("#endpoints tbody")!.replaceChildren(...stats.endpoints.map(endpointRow));
    document.querySelector("#dead-letters tbody")!.replaceChildren(...letters.items.map((letter) => deadLetterRow(letter, requeue)));
  }

  function requeue(id: string): void {
    api(`/api/v1/dead-letters/${encodeURIComponent(id)}/requeue`, { method: "POST" }).then(load).catch(onError);
  }

  function tick(): void {
    load()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, REFRESH_MS);
      });
  }

  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
