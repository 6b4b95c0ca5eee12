/**
 * Drives a few settlements through their lifecycle against a running
 * service, slowly enough to watch them move on the dashboard.
 *
 *   API_KEY=sk_... pnpm demo            # API_URL defaults to http://localhost:3000
 */
import { setTimeout as sleep } from "node:timers/promises";

const baseUrl = process.env.API_URL ?? "http://localhost:3000";
const apiKey = process.env.API_KEY ?? process.argv[2];
const stepMs = Number(process.env.DEMO_STEP_MS ?? 800);
if (!apiKey) {
  console.error("usage: API_KEY=<key printed by pnpm start> pnpm demo   (or: pnpm demo <key>)");
  process.exit(1);
}

async function call(path: string, body: unknown): Promise<{ id: string; status: string }> {
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json as { id: string; status: string };
}

/** One settlement's story: network, gas, submit, confirmations one by one, then settle or fail. */
async function lifecycle(amount: string, network: string, required: number, outcome: "settle" | "fail"): Promise<void> {
  const { id } = await call("/settlements", { amount, currency: "USD", required_confirmations: required });
  console.log(`${id}: opened for ${amount} USD`);
  await sleep(stepMs);
  await call(`/settlements/${id}/select-network`, { network, score: 0.9, reasoning: `${network} has the lowest fees right now` });
  await call(`/settlements/${id}/estimate-gas`, { gas_estimate: "0.0021" });
  await sleep(stepMs);
  await call(`/settlements/${id}/submit`, { tx_hash: `0x${id.slice(4).toLowerCase()}` });
  for (let confirmations = 1; confirmations <= required; confirmations++) {
    await sleep(stepMs);
    if (outcome === "fail" && confirmations > required / 2) {
      await call(`/settlements/${id}/fail`, { error: "transaction dropped from the mempool" });
      console.log(`${id}: failed`);
      return;
    }
    const { status } = await call(`/settlements/${id}/confirmations`, { confirmations });
    console.log(`${id}: ${confirmations}/${required} confirmations (${status})`);
  }
  await sleep(stepMs);
  await call(`/settlements/${id}/settle`, { gas_actual: "0.0019" });
  console.log(`${id}: settled`);
}

console.log(`Driving settlements on ${baseUrl}; open ${baseUrl}/ to watch them move.`);
await Promise.all([
  lifecycle("125.50", "polygon", 6, "settle"),
  sleep(stepMs / 2).then(() => lifecycle("980.00", "base", 10, "settle")),
  sleep(stepMs).then(() => lifecycle("42.00", "arbitrum", 8, "fail")),
]);
console.log("Done.");
