import fc from "fast-check";
import { describe, expect, expectTypeOf, test } from "vitest";
import { z } from "zod";
import { UnknownEventTypeError, ValidationError } from "../errors.js";
import { defineEventCatalog, type PayloadOf } from "./define-event-catalog.js";
import { platformCatalog } from "./platform-catalog.js";

describe("defineEventCatalog", () => {
  const catalog = defineEventCatalog({
    "order.placed": z.object({ orderId: z.string(), lines: z.array(z.object({ sku: z.string(), qty: z.number().int() })) }),
    "order.cancelled": { schema: z.object({ orderId: z.string() }), version: 3 },
  });

  test("infers each payload's type from its event type", () => {
    expectTypeOf<PayloadOf<typeof catalog, "order.cancelled">>().toEqualTypeOf<{ orderId: string }>();
    const placed = catalog.parse("order.placed", { orderId: "o1", lines: [{ sku: "a", qty: 2 }] });
    expectTypeOf(placed.lines[0]!.qty).toEqualTypeOf<number>();
    expect(catalog.eventTypes).toEqual(["order.placed", "order.cancelled"]);
    expect(catalog.schemaVersion("order.cancelled")).toBe(3);
    expect(catalog.schemaVersion("order.placed")).toBe(1);
  });

  test("names the nested field that fails", () => {
    expect(() => catalog.parse("order.placed", { orderId: "o1", lines: [{ sku: "a", qty: 1.5 }] })).toThrow(
      expect.objectContaining({ code: "validation_failed", field: "payload.lines.0.qty" }),
    );
    expect(() => catalog.parse("order.placed", "not an object")).toThrow(expect.objectContaining({ field: "payload" }));
  });

  test("refuses an unknown event type", () => {
    expect(() => catalog.parse("order.shipped" as never, {})).toThrow(UnknownEventTypeError);
    expect(catalog.has("order.shipped")).toBe(false);
  });

  test("refuses a bad schema version", () => {
    expect(() => defineEventCatalog({ "a.b": { schema: z.object({}), version: 0 } })).toThrow(ValidationError);
  });
});

describe("platformCatalog", () => {
  test("ships every settlement.* and payment.* type the platform emits", () => {
    expect([...platformCatalog.eventTypes].sort()).toEqual(
      [
        "settlement.created",
        "settlement.status_changed",
        "settlement.confirmation_progress",
        "settlement.network_selected",
        "settlement.gas_estimated",
        "settlement.settled",
        "settlement.failed",
        "payment.created",
        "payment.status_changed",
        "payment.refunded",
      ].sort(),
    );
  });

  test("money is a decimal string: any non-negative decimal passes, anything else is refused by field", () => {
    const decimal = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.option(fc.stringMatching(/^\d{1,18}$/))).map(
      ([whole, fraction]) => (fraction === null ? `${whole}` : `${whole}.${fraction}`),
    );
    fc.assert(
      fc.property(decimal, (amount) => {
        expect(platformCatalog.parse("payment.created", { paymentId: "pay_1", amount, currency: "USD" }).amount).toBe(amount);
      }),
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.double(), fc.string().filter((s) => !/^\d+(\.\d+)?$/.test(s)), fc.constant(null)),
        (amount) => {
          expect(() => platformCatalog.parse("payment.created", { paymentId: "pay_1", amount, currency: "USD" })).toThrow(
            expect.objectContaining({ field: "payload.amount" }),
          );
        },
      ),
    );
  });

  test("unknown payload fields are refused, naming the field", () => {
    expect(() => platformCatalog.parse("payment.refunded", { paymentId: "p", refundAmount: "1", extra: true })).toThrow(ValidationError);
    expect(() =>
      platformCatalog.parse("settlement.status_changed", { settlementId: "s", fromStatus: "pending", toStatus: "exploded", network: null }),
    ).toThrow(expect.objectContaining({ field: "payload.toStatus" }));
  });
});
