export { pgListener } from "./wake/pg-listener.js";
export type { PgListenerOptions } from "./wake/pg-listener.js";
export { advisoryLockLeader } from "./feed/advisory-lock-leader.js";
export type { AdvisoryLockLeaderOptions } from "./feed/advisory-lock-leader.js";
