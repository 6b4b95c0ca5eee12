import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type Span, type SpanOptions } from "@opentelemetry/api";
import type { DomainEvent } from "@org/events";

/**
 * The service's spans, through @opentelemetry/api only: without an SDK
 * installed by the application every call here is the API's no-op (no
 * span is recorded, nothing is stored in events). With one, a command's
 * span context goes into its events' metadata (`traceparent`), and the
 * relay, the SSE broadcast and each webhook delivery continue it, so one
 * trace runs from the HTTP request to the webhook's receiver.
 */
export const tracer = trace.getTracer("@org/api");

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The W3C `traceparent` of the active span; undefined without a recording span (no SDK, or outside any span). */
export function activeTraceparent(active: Context = context.active()): string | undefined {
  const span = trace.getSpan(active);
  if (!span?.isRecording()) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

/** Event metadata carrying the active span's context (`{}` when there is none). */
export function traceMetadata(): { traceparent?: string } {
  const traceparent = activeTraceparent();
  return traceparent === undefined ? {} : { traceparent };
}

/** The context an event was written in, as a remote parent; the root context when it carries none. */
export function contextOfEvent(event: Pick<DomainEvent, "metadata">): Context {
  const match = typeof event.metadata.traceparent === "string" ? TRACEPARENT.exec(event.metadata.traceparent) : null;
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: match[1]!, spanId: match[2]!, traceFlags: Number.parseInt(match[3]!, 16) & TraceFlags.SAMPLED, isRemote: true });
}

/** Runs `fn` in a new active span that ends with it (an error marks the span and is rethrown). */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>, parent: Context = context.active()): Promise<T> {
  return tracer.startActiveSpan(name, options, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Runs `fn` in a span that continues the trace the event was written in. */
export function inEventSpan<T>(name: string, event: DomainEvent, kind: SpanKind, fn: (span: Span) => Promise<T>): Promise<T> {
  return inSpan(name, { kind, attributes: { "event.id": event.id, "event.type": event.eventType, "tenant.id": event.tenantId } }, fn, contextOfEvent(event));
}

export { SpanKind };
