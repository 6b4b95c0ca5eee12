/**
 * The dashboard's page. Its code is browser/main.ts, served as
 * `/dashboard.js` (see bundle.ts): it asks for the API key once (kept in
 * sessionStorage), trades it for the stream cookie, lists the tenant's
 * settlements and keeps them live through @org/event-stream-client, with
 * the stream's status (connecting, open, reconnecting, closed) in the header;
 * below, the tenant's webhook endpoints with their delivery health and its
 * dead letters, each with a requeue button (browser/operations-panel.ts).
 */
export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Settlements</title>
<script type="module" src="/dashboard.js"></script>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1b1f24; background: #f6f8fa; }
  h1 { font-size: 1.4rem; margin: 0 0 1rem; }
  #connection { font-size: .85rem; padding: .15rem .5rem; border-radius: 1rem; background: #ddd; margin-left: .5rem; }
  #connection.open { background: #c9f0d3; } #connection.reconnecting, #connection.connecting { background: #ffe9b3; }
  #connection.closed { background: #ffd6d6; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: .45rem .7rem; border-bottom: 1px solid #e4e7eb; }
  td.id { font-family: ui-monospace, monospace; font-size: .8rem; }
  .status { padding: .1rem .5rem; border-radius: .3rem; background: #e8eaed; }
  .status.confirming { background: #fff1c2; } .status.confirmed { background: #d6ecff; }
  .status.settled { background: #c9f0d3; } .status.failed { background: #ffd6d6; }
  progress { width: 10rem; vertical-align: middle; }
  form { display: flex; gap: .5rem; } input { width: 28rem; padding: .3rem; }
  .hidden { display: none; } #message { color: #a40e26; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; } h3 { font-size: 1rem; margin: 1rem 0 .5rem; }
  .health { padding: .1rem .5rem; border-radius: .3rem; } .health.healthy { background: #c9f0d3; }
  .health.behind { background: #fff1c2; } .health.failing { background: #ffd6d6; }
</style>
</head>
<body>
<h1>Settlements <span id="connection">closed</span></h1>
<form id="login" class="hidden">
  <input id="api-key" type="password" placeholder="API key" autocomplete="off" required>
  <button type="submit">Connect</button>
</form>
<p id="message"></p>
<table id="settlements" class="hidden">
  <thead><tr><th>Settlement</th><th>Amount</th><th>Network</th><th>Status</th><th>Confirmations</th></tr></thead>
  <tbody></tbody>
</table>
<section id="operations" class="hidden">
  <h2>Webhook endpoints</h2>
  <table id="endpoints">
    <thead><tr><th>Endpoint</th><th>URL</th><th>Health</th><th>Backlog</th><th>Retrying</th><th>Dead letters</th><th>Latency p95</th><th>Last error</th></tr></thead>
    <tbody></tbody>
  </table>
  <h3>Dead letters</h3>
  <table id="dead-letters">
    <thead><tr><th>Event</th><th>Type</th><th>Endpoint</th><th>Attempts</th><th>Last error</th><th></th></tr></thead>
    <tbody></tbody>
  </table>
</section>
</body>
</html>`;
}
