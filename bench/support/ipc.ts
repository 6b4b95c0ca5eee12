import type { ChildProcess } from "node:child_process";

/** Sends `message` to a child process over IPC and resolves with its next message (rejects if it exits first, or after `limitMs`). */
export function request<T>(child: ChildProcess, message: object, limitMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = () => reject(new Error(`child exited before answering ${JSON.stringify(message)}`));
    const timer = setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(message)}`)), limitMs);
    child.once("exit", onExit);
    child.once("message", (answer) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve(answer as T);
    });
    child.send(message);
  });
}
