import { CloudEvent as SdkCloudEvent, HTTP } from "cloudevents";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { DomainEvent } from "../envelope.js";
import { isEventsError } from "../errors.js";
import { defineIntegrationCatalog } from "./integration-catalog.js";
import { fromCloudEvent } from "./from-cloud-event.js";
import { fromHttp, toBinaryHttp, toStructuredHttp } from "./http-binding.js";
import { toCloudEvent } from "./to-cloud-event.js";

const catalog = defineIntegrationCatalog({
  "settlement.settled": { version: 2, schema: z.object({ settlementId: z.string(), txHash: z.string() }) },
  // a loose schema must not let undeclared fields through either
  "payment.refunded": { version: 1, schema: z.looseObject({ paymentId: z.string(), refundAmount: z.string() }) },
});
const mapping = { catalog, source: "/settlement-service", typePrefix: "com.example." };

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

function domainEvent(overrides: Partial<DomainEvent> = {}): DomainEvent {
  return {
    id: "evt_01HX",
    tenantId: "acme",
    aggregateType: "settlement",
    aggregateId: "stl_1",
    aggregateVersion: 7,
    eventType: "settlement.settled",
    schemaVersion: 1,
    payload: { settlementId: "stl_1", txHash: "0xab", gasActual: "21000", internalNote: "do not leak" },
    metadata: { correlationId: "req_1", causationId: "evt_00", actor: "key_secret", traceparent: TRACEPARENT },
    position: 12,
    transactionId: "900",
    createdAt: new Date("2026-12-03T06:00:00.123Z"),
    publishedAt: null,
    ...overrides,
  };
}

describe("toCloudEvent", () => {
  it("maps the envelope to CloudEvents 1.0 attributes and extensions, with only the public data", () => {
    expect(toCloudEvent(domainEvent(), mapping)).toEqual({
      specversion: "1.0",
      id: "evt_01HX",
      source: "/settlement-service",
      type: "com.example.settlement.settled",
      subject: "settlement/stl_1",
      time: "2026-12-03T06:00:00.123Z",
      datacontenttype: "application/json",
      dataversion: "2",
      tenantid: "acme",
      correlationid: "req_1",
      causationid: "evt_00",
      sequence: "7",
      sequencetype: "Integer",
      traceparent: TRACEPARENT,
      data: { settlementId: "stl_1", txHash: "0xab" },
    });
  });

  it("keeps undeclared fields out even when the public schema is loose", () => {
    const event = domainEvent({ eventType: "payment.refunded", aggregateType: "payment", payload: { paymentId: "pay_1", refundAmount: "5.00", cardToken: "tok_secret" } });
    expect(toCloudEvent(event, mapping).data).toEqual({ paymentId: "pay_1", refundAmount: "5.00" });
  });

  it("refuses an internal event type and a payload that does not match the public schema", () => {
    expect(() => toCloudEvent(domainEvent({ eventType: "settlement.gas_estimated" }), mapping)).toThrow(/not a public event type/);
    const error = (() => {
      try {
        toCloudEvent(domainEvent({ payload: { settlementId: "stl_1" } }), mapping);
      } catch (caught) {
        return caught;
      }
    })();
    expect(isEventsError(error, "validation_failed") && error.field).toBe("data.txHash");
  });

  it("leaves out a malformed traceparent rather than forwarding it", () => {
    expect(toCloudEvent(domainEvent({ metadata: { traceparent: "garbage" } }), mapping)).not.toHaveProperty("traceparent");
  });
});

describe("HTTP binding", () => {
  it("structured mode is read by the cloudevents SDK as the same event", () => {
    const event = toCloudEvent(domainEvent(), mapping);
    const message = toStructuredHttp(event);
    expect(message.headers["content-type"]).toBe("application/cloudevents+json; charset=utf-8");
    const sdk = HTTP.toEvent({ headers: message.headers, body: message.body }) as SdkCloudEvent<unknown>;
    expect(sdk.id).toBe(event.id);
    expect(sdk.subject).toBe("settlement/stl_1");
    expect(sdk.data).toEqual(event.data);
    expect(sdk["tenantid"]).toBe("acme");
    expect(sdk["sequence"]).toBe("7");
  });

  it("binary mode puts attributes in ce- headers, read by the cloudevents SDK", () => {
    const event = toCloudEvent(domainEvent({ tenantId: "ac me%\"é" }), mapping);
    const message = toBinaryHttp(event);
    expect(message.headers["ce-id"]).toBe("evt_01HX");
    expect(message.headers["content-type"]).toBe("application/json");
    expect(message.headers["ce-tenantid"]).toBe("ac%20me%25%22%C3%A9");
    expect(JSON.parse(message.body)).toEqual(event.data);
    const sdk = HTTP.toEvent({ headers: message.headers, body: message.body }) as SdkCloudEvent<unknown>;
    expect(sdk.type).toBe("com.example.settlement.settled");
    expect(sdk.data).toEqual(event.data);
    expect(fromHttp(message).tenantid).toBe("ac me%\"é");
  });

  it("reads what the cloudevents SDK writes, in both modes", () => {
    const sdkEvent = new SdkCloudEvent({ id: "e1", source: "/x", type: "t.y", subject: "a/b", datacontenttype: "application/json", data: { a: 1 }, tenantid: "acme" });
    for (const message of [HTTP.binary(sdkEvent), HTTP.structured(sdkEvent)]) {
      const event = fromHttp({ headers: message.headers as Record<string, string>, body: String(message.body) });
      expect(event).toMatchObject({ id: "e1", source: "/x", type: "t.y", subject: "a/b", tenantid: "acme", data: { a: 1 } });
    }
  });

  it("refuses a message in neither mode and a malformed event", () => {
    expect(() => fromHttp({ headers: { "content-type": "application/json" }, body: "{}" })).toThrow(/neither structured/);
    expect(() => fromHttp({ headers: { "content-type": "application/cloudevents+json" }, body: '{"specversion":"0.3","id":"1","source":"/","type":"t"}' })).toThrow(/specversion/);
    expect(() => fromHttp({ headers: { "content-type": "application/cloudevents+json" }, body: "not json" })).toThrow(/not JSON/);
  });
});

describe("round trip", () => {
  const text = fc.string({ minLength: 1, maxLength: 20 });
  const arbitraryEvent = fc.record({
    tenantId: text,
    aggregateId: text,
    aggregateVersion: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    settlementId: text,
    txHash: text,
    extra: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue()),
    correlationId: fc.option(text, { nil: undefined }),
    createdAt: fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
  });

  it("domain event → CloudEvent → HTTP (either mode) → CloudEvent → integration event keeps every public attribute and no private field", () => {
    fc.assert(
      fc.property(arbitraryEvent, fc.boolean(), (input, binary) => {
        const payload = { ...input.extra, settlementId: input.settlementId, txHash: input.txHash };
        const event = domainEvent({
          tenantId: input.tenantId,
          aggregateId: input.aggregateId,
          aggregateVersion: input.aggregateVersion,
          payload,
          createdAt: input.createdAt,
          metadata: input.correlationId === undefined ? {} : { correlationId: input.correlationId },
        });
        const cloudEvent = toCloudEvent(event, mapping);
        const message = binary ? toBinaryHttp(cloudEvent) : toStructuredHttp(cloudEvent);
        const back = fromCloudEvent(fromHttp(message), mapping);
        expect(back).toEqual({
          id: event.id,
          source: "/settlement-service",
          eventType: "settlement.settled",
          schemaVersion: 2,
          tenantId: input.tenantId,
          aggregateType: "settlement",
          aggregateId: input.aggregateId,
          aggregateVersion: input.aggregateVersion,
          createdAt: input.createdAt,
          data: { settlementId: input.settlementId, txHash: input.txHash },
          metadata: input.correlationId === undefined ? {} : { correlationId: input.correlationId },
        });
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a CloudEvent under another schema version", () => {
    const cloudEvent = { ...toCloudEvent(domainEvent(), mapping), dataversion: "1" };
    expect(() => fromCloudEvent(cloudEvent, mapping)).toThrow(/dataversion 1/);
  });
});
