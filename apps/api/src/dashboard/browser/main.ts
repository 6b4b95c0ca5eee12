import type { EventStreamClient, StreamState } from "@org/event-stream-client";
import { isEventStreamError } from "@org/event-stream-client";
import { apiKey, UnauthorizedError } from "./api.js";
import { startLiveList } from "./live-updates.js";
import { startOperationsPanel } from "./operations-panel.js";

/**
 * The dashboard: asks for the API key once (kept in sessionStorage), lists
 * the tenant's settlements and keeps them live from the event stream, with
 * the stream's connection status in the header, and the webhook endpoints'
 * health and dead letters below.
 */
const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
let client: EventStreamClient<any> | undefined;
let stopPanel: (() => void) | undefined;

function showConnection({ status, error }: StreamState): void {
  const badge = $("#connection");
  badge.textContent = status;
  badge.className = status;
  badge.title = error ? `last error: ${error.message}` : "";
  if (status === "closed" && isEventStreamError(error, "unauthorized")) showLogin("The stream refused this API key.");
}

function showError(error: unknown): void {
  if (error instanceof UnauthorizedError) return showLogin(error.message);
  $("#message").textContent = error instanceof Error ? error.message : String(error);
}

function showLogin(message = ""): void {
  client?.close();
  client = undefined;
  stopPanel?.();
  stopPanel = undefined;
  apiKey.clear();
  $("#login").classList.remove("hidden");
  $("#settlements").classList.add("hidden");
  $("#operations").classList.add("hidden");
  $("#message").textContent = message;
}

function start(): void {
  if (!apiKey.get()) return showLogin();
  $("#login").classList.add("hidden");
  $("#settlements").classList.remove("hidden");
  $("#operations").classList.remove("hidden");
  $("#message").textContent = "";
  client?.close();
  client = startLiveList({ onState: showConnection, onError: showError });
  stopPanel?.();
  stopPanel = startOperationsPanel({ onError: showError });
}

$("#login").addEventListener("submit", (event) => {
  event.preventDefault();
  apiKey.set($<HTMLInputElement>("#api-key").value.trim());
  start();
});
start();
