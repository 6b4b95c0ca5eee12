const KEY = "settlement-dashboard-api-key";

/** The API key of this tab (sessionStorage), if one was entered. */
export const apiKey = {
  get: () => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

/** The key was refused: the page shows the login form again. */
export class UnauthorizedError extends Error {
  override readonly name = "UnauthorizedError";
}

/** A JSON call to the API with the tab's key. Throws UnauthorizedError on 401. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, {
    ...init,
    headers: { Authorization: `Bearer ${apiKey.get() ?? ""}`, ...init.headers },
    credentials: "same-origin",
  });
  if (response.status === 401) throw new UnauthorizedError("That API key was refused.");
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

/** Trades the API key for the stream-token cookie the event stream reads. */
export async function renewStreamToken(): Promise<void> {
  await api("/api/v1/events/token", { method: "POST" });
}
