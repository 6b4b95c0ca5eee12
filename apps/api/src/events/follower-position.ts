import type { Checkpoint } from "@org/events";
import type { LogFollower } from "@org/outbox-publisher";

const behind = (a: Checkpoint | null, b: Checkpoint) =>
  a === null || BigInt(a.transactionId) < BigInt(b.transactionId) || (a.transactionId === b.transactionId && a.position < b.position);

/**
 * For the replay of a resuming client: where this process's follower
 * stands, after catching up first if the client has seen more than it has
 * (the client's last event came from another instance that was ahead).
 */
export function followerPosition(follower: LogFollower): (after: Checkpoint) => Promise<Checkpoint | null> {
  return async (after) => {
    if (behind(follower.checkpoint, after)) await follower.catchUp();
    return follower.checkpoint;
  };
}
