import { Hono, type Context } from "hono";
import type { Kysely } from "kysely";
import type { z } from "zod";
import type { Database } from "../db/schema.js";
import { AppError, notFound } from "../errors.js";
import { eventJson } from "../events/event-json.js";
import type { AppEnv } from "../http/env.js";
import { parseJsonBody, parsePathParam, parseQuery } from "../http/parse-request.js";
import type { SettlementCommands } from "./commands.js";
import * as schemas from "./http-schemas.js";
import { settlementJson } from "./http-response.js";
import { reconstructSettlement } from "./reconstruction.js";
import { findSettlement, listSettlements } from "./repository.js";
import { DEFAULT_REQUIRED_CONFIRMATIONS, type SettlementCommand } from "./settlement.js";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** The settlement routes, mounted at `/api/v1/settlements`; the tenant comes from auth. */
export function settlementRoutes(db: Kysely<Database>, commands: SettlementCommands) {
  const app = new Hono<AppEnv>();
  const idOf = (c: Context) => parsePathParam(c, "id", schemas.settlementId);

  app.post("/", async (c) => {
    const body = await parseJsonBody(c, schemas.createSettlementBody);
    const key = c.req.header("idempotency-key");
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new AppError("invalid_parameter", "Idempotency-Key must be 1-200 visible ASCII characters", { field: "Idempotency-Key" });
    }
    const { settlement, replayed } = await commands.create(
      c.get("tenantId"),
      {
        amount: body.amount,
        currency: body.currency,
        network: body.network ?? null,
        paymentId: body.payment_id ?? null,
        requiredConfirmations: body.required_confirmations ?? DEFAULT_REQUIRED_CONFIRMATIONS,
      },
      key,
    );
    if (replayed) c.header("Idempotent-Replayed", "true");
    return c.json(settlementJson(settlement), 201);
  });

  app.get("/", async (c) => {
    const query = parseQuery(c, schemas.listSettlementsQuery);
    const page = await listSettlements(db, c.get("tenantId"), { status: query.status, cursor: query.cursor, limit: query.limit ?? 20 });
    return c.json({ data: page.settlements.map(settlementJson), next_cursor: page.nextCursor });
  });

  app.get("/:id", async (c) => {
    const id = idOf(c);
    const settlement = await findSettlement(db, c.get("tenantId"), id);
    if (!settlement) throw notFound("settlement", id);
    return c.json(settlementJson(settlement));
  });

  app.get("/:id/events", async (c) => {
    const { events } = await reconstructSettlement(db, c.get("tenantId"), idOf(c));
    return c.json({ data: events.map(eventJson) });
  });

  app.get("/:id/reconstruction", async (c) => {
    const { stored, rebuilt, events, differingFields } = await reconstructSettlement(db, c.get("tenantId"), idOf(c));
    return c.json({
      matches: differingFields.length === 0,
      differing_fields: differingFields,
      event_count: events.length,
      stored: settlementJson(stored),
      reconstructed: rebuilt && settlementJson(rebuilt),
    });
  });

  const command = <S extends z.ZodType>(path: string, schema: S, toCommand: (body: z.output<S>) => SettlementCommand) =>
    app.post(`/:id/${path}`, async (c) => {
      const id = idOf(c);
      const body = await parseJsonBody(c, schema);
      return c.json(settlementJson(await commands.run(c.get("tenantId"), id, toCommand(body))));
    });

  command("select-network", schemas.selectNetworkBody, (b) => ({ type: "select_network", ...b }));
  command("estimate-gas", schemas.estimateGasBody, (b) => ({ type: "estimate_gas", gasEstimate: b.gas_estimate }));
  command("submit", schemas.submitBody, (b) => ({ type: "submit", txHash: b.tx_hash }));
  command("confirmations", schemas.confirmationsBody, (b) => ({ type: "record_confirmations", confirmations: b.confirmations }));
  command("settle", schemas.settleBody, (b) => ({ type: "settle", gasActual: b.gas_actual }));
  command("fail", schemas.failBody, (b) => ({ type: "fail", error: b.error }));

  return app;
}
