import { generateId } from "@org/events";
import { dropWorkerGroup, registerWorkerGroup } from "@org/outbox-publisher";
import { sql, type Kysely, type Migration } from "kysely";
import { newWebhookSecret } from "./signature.js";

/** A registered webhook endpoint. */
export interface WebhookEndpoint {
  id: string;
  tenantId: string;
  url: string;
  /** Event type patterns: `settlement.*`, `payment.refunded`, `*`. */
  types: string[];
  /** `whsec_…`: shown to the tenant once, kept to sign deliveries. */
  secret: string;
  createdAt: Date;
}

/** The worker group that delivers to one endpoint: its own queue, retries and dead letters. */
export const groupOfEndpoint = (endpointId: string) => `webhook:${endpointId}`;
/** The endpoint id of a webhook group, or undefined for another group. */
export const endpointOfGroup = (group: string) => (group.startsWith("webhook:") ? group.slice("webhook:".length) : undefined);

/** The webhook tables, migrated beside the app's own (their own migration set, so they never interleave). */
export const webhookMigrations: Record<string, Migration> = {
  "0001_webhook_endpoints": {
    async up(db: Kysely<any>) {
      await sql`
        create table webhook_endpoints (
          id text primary key,
          tenant_id text not null,
          url text not null,
          types jsonb not null,
          secret text not null,
          created_at timestamptz not null default now()
        )`.execute(db);
      await sql`create index webhook_endpoints_tenant on webhook_endpoints (tenant_id, id)`.execute(db);
    },
  },
};

interface Row {
  id: string;
  tenant_id: string;
  url: string;
  types: string[] | string;
  secret: string;
  created_at: Date | string;
}

const toEndpoint = (row: Row): WebhookEndpoint => ({
  id: row.id,
  tenantId: row.tenant_id,
  url: row.url,
  types: typeof row.types === "string" ? (JSON.parse(row.types) as string[]) : row.types,
  secret: row.secret,
  createdAt: new Date(row.created_at),
});

/**
 * Registers an endpoint and, in the same transaction, its worker group at
 * the current end of the log: it receives every event committed after it,
 * however late its worker starts.
 */
export async function createEndpoint(db: Kysely<any>, tenantId: string, input: { url: string; types: string[] }): Promise<WebhookEndpoint> {
  const id = generateId("whk");
  const secret = newWebhookSecret();
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<Row>`
      insert into webhook_endpoints (id, tenant_id, url, types, secret)
      values (${id}, ${tenantId}, ${input.url}, ${JSON.stringify(input.types)}::jsonb, ${secret}) returning *`.execute(trx);
    await registerWorkerGroup(trx, { group: groupOfEndpoint(id), startFrom: "now" });
    return toEndpoint(rows[0]!);
  });
}

/** The tenant's endpoints, oldest first; every endpoint when `tenantId` is undefined. */
export async function listEndpoints(db: Kysely<any>, tenantId?: string): Promise<WebhookEndpoint[]> {
  const { rows } = await sql<Row>`
    select * from webhook_endpoints ${tenantId === undefined ? sql`` : sql`where tenant_id = ${tenantId}`} order by id`.execute(db);
  return rows.map(toEndpoint);
}

/** The tenant's endpoint by id, or undefined (another tenant's looks missing too). */
export async function getEndpoint(db: Kysely<any>, tenantId: string, id: string): Promise<WebhookEndpoint | undefined> {
  const { rows } = await sql<Row>`select * from webhook_endpoints where tenant_id = ${tenantId} and id = ${id}`.execute(db);
  return rows[0] ? toEndpoint(rows[0]) : undefined;
}

/** Removes the tenant's endpoint with its queue and dead letters; false when it has none by that id. */
export async function deleteEndpoint(db: Kysely<any>, tenantId: string, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql`delete from webhook_endpoints where tenant_id = ${tenantId} and id = ${id} returning id`.execute(trx);
    if (rows.length === 0) return false;
    await dropWorkerGroup(trx, { group: groupOfEndpoint(id) });
    return true;
  });
}
