import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { HealthService } from "../../gen/es/commander/v1/health_service_pb.js";
import type { Change, ChangeKind, WatchService } from "../../gen/es/commander/v1/watch_service_pb.js";
import { isUnreachable } from "./describe-error.js";

/** The two clients following changes takes. */
export interface ChangeClients {
  watch: Client<typeof WatchService>;
  health: Client<typeof HealthService>;
}

export interface FollowChangesOptions {
  clients: ChangeClients;
  projectId: string;
  kinds: ChangeKind[];
  /** Start after this sequence number; 0 for live changes only. */
  afterSeq: bigint;
  signal: AbortSignal;
  onChange(change: Change): void;
  /** Connection news for the user: lost, reconnecting, reconnected. */
  onNotice(text: string): void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

// Errors that reconnecting cannot fix: the request itself is wrong or not allowed.
const fatalCodes = new Set([Code.InvalidArgument, Code.NotFound, Code.Unauthenticated, Code.PermissionDenied, Code.Unimplemented, Code.FailedPrecondition]);

/**
 * Streams changes until the signal aborts, reconnecting with the last sequence seen after a dropped
 * connection (with exponential backoff), so no change is missed or repeated. Fails only when the
 * first connection cannot be made or the daemon rejects the request.
 */
export async function followChanges(options: FollowChangesOptions): Promise<void> {
  const initialBackoff = options.initialBackoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  let afterSeq = options.afterSeq;
  let backoff = initialBackoff;
  let connectedOnce = false;
  let lost = false;
  while (!options.signal.aborted) {
    try {
      // A stream's headers arrive only with its first change, so a unary call tells whether the daemon
      // is there: at the start (fail fast when it is not running) and after a lost connection.
      await options.clients.health.getHealth({}, { signal: options.signal });
      connectedOnce = true;
      if (lost) options.onNotice(afterSeq > 0n ? `reconnected; resuming after #${afterSeq}` : "reconnected");
      lost = false;
      const stream = options.clients.watch.watchChanges(
        { projectId: options.projectId, kinds: options.kinds, afterSeq },
        { signal: options.signal },
      );
      for await (const { change } of stream) {
        if (change === undefined) continue;
        backoff = initialBackoff;
        afterSeq = change.seq > afterSeq ? change.seq : afterSeq;
        options.onChange(change);
      }
      if (options.signal.aborted) return;
      lost = true;
      options.onNotice(`the daemon closed the stream; reconnecting in ${formatSeconds(backoff)}`);
    } catch (err) {
      if (options.signal.aborted) return;
      const connectErr = ConnectError.from(err);
      if (!connectedOnce && isUnreachable(err)) throw err;
      if (fatalCodes.has(connectErr.code)) throw err;
      if (connectErr.code === Code.OutOfRange) {
        options.onNotice(`some changes are no longer retained (${connectErr.rawMessage}); continuing with live changes`);
        afterSeq = 0n;
        continue;
      }
      if (connectErr.code === Code.ResourceExhausted) {
        options.onNotice(`fell behind the daemon; resuming after #${afterSeq}`);
        continue;
      }
      lost = true;
      options.onNotice(`connection lost (${connectErr.rawMessage}); reconnecting in ${formatSeconds(backoff)}`);
    }
    try {
      await sleep(backoff, undefined, { signal: options.signal });
    } catch {
      return;
    }
    backoff = Math.min(backoff * 2, maxBackoff);
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}
