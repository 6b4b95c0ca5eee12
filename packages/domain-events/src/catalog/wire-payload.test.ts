import fc from "fast-check";
import { describe, expect, expectTypeOf, test } from "vitest";
import { platformCatalog, type PlatformCatalog } from "./platform-catalog.js";
import { snakeCaseKey, toWirePayload, type SnakeCase, type WireEvents } from "./wire-payload.js";

describe("wire payloads", () => {
  test("the type-level and run-time snake_case agree on the catalog's keys", () => {
    expectTypeOf<SnakeCase<"requiredConfirmations">>().toEqualTypeOf<"required_confirmations">();
    expectTypeOf(snakeCaseKey("gasEstimate")).toEqualTypeOf<"gas_estimate">();
    expect(snakeCaseKey("gasEstimate")).toBe("gas_estimate");
    expectTypeOf<WireEvents<PlatformCatalog>["settlement.confirmation_progress"]>().toEqualTypeOf<{
      settlement_id: string;
      confirmations: number;
      required: number;
      network: string | null;
    }>();
    expectTypeOf<WireEvents<PlatformCatalog>["settlement.created"]>().toHaveProperty("required_confirmations");
    const payload = platformCatalog.parse("settlement.settled", { settlementId: "stl_1", network: null, txHash: "0xab", gasActual: "1.5" });
    const wire = toWirePayload(payload);
    expectTypeOf(wire).toEqualTypeOf<WireEvents<PlatformCatalog>["settlement.settled"]>();
    expect(wire).toEqual({ settlement_id: "stl_1", network: null, tx_hash: "0xab", gas_actual: "1.5" });
  });

  test("any camelCase key: each capital becomes _ and its lower case, nothing else changes", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,20}$/), (key) => {
        const snake = snakeCaseKey(key);
        expect(snake).toBe(key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`));
        expect(snake.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())).toBe(key);
      }),
    );
  });
});
