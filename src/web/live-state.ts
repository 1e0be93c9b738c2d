import { batch, signal } from "@preact/signals";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Event } from "../../gen/es/commander/v1/event_pb.js";
import type { GetHealthResponse } from "../../gen/es/commander/v1/health_service_pb.js";
import type { InboxMessage } from "../../gen/es/commander/v1/inbox_message_pb.js";
import type { Project } from "../../gen/es/commander/v1/project_pb.js";
import type { Session } from "../../gen/es/commander/v1/session_pb.js";
import { type Change, ChangeKind } from "../../gen/es/commander/v1/watch_service_pb.js";
import type { WorkItem } from "../../gen/es/commander/v1/work_item_pb.js";
import { api, errorText } from "./api-client.js";
import { tokenRequired } from "./auth-token.js";

/** Everything the views show, as signals: loaded once, then kept current by the change feed. */
export const projects = signal<ReadonlyMap<string, Project>>(new Map());
/** Sessions by project id. */
export const sessions = signal<ReadonlyMap<string, Session>>(new Map());
export const workItems = signal<ReadonlyMap<string, WorkItem>>(new Map());
export const events = signal<ReadonlyMap<string, Event>>(new Map());
export const messages = signal<ReadonlyMap<string, InboxMessage>>(new Map());
export const health = signal<GetHealthResponse | undefined>(undefined);
export type FeedState = "connecting" | "live" | "reconnecting" | "unauthorized";
export const feedState = signal<FeedState>("connecting");
export const loadError = signal<string | undefined>(undefined);

function upsert<T>(map: ReadonlyMap<string, T>, key: string, value: T): Map<string, T> {
  const next = new Map(map);
  next.set(key, value);
  return next;
}

/** Records returned by a call (an answer, a listing) go into the same maps the feed updates. */
export function remember(records: { events?: Event[]; work?: WorkItem[]; messages?: InboxMessage[]; projects?: Project[] }): void {
  batch(() => {
    if (records.events?.length) events.value = mergeAll(events.value, records.events, (e) => e.id);
    if (records.work?.length) workItems.value = mergeAll(workItems.value, records.work, (w) => w.id);
    if (records.messages?.length) messages.value = mergeAll(messages.value, records.messages, (m) => m.id);
    if (records.projects?.length) projects.value = mergeAll(projects.value, records.projects, (p) => p.id);
  });
}

function mergeAll<T>(map: ReadonlyMap<string, T>, values: T[], key: (value: T) => string): Map<string, T> {
  const next = new Map(map);
  for (const value of values) next.set(key(value), value);
  return next;
}

export function applyChange(change: Change): void {
  const subject = change.subject;
  switch (subject.case) {
    case "event":
      events.value = upsert(events.value, subject.value.id, subject.value);
      break;
    case "workItem":
      workItems.value = upsert(workItems.value, subject.value.id, subject.value);
      break;
    case "session":
      sessions.value = upsert(sessions.value, subject.value.projectId, subject.value);
      break;
    case "project":
      if (change.kind === ChangeKind.PROJECT_REMOVED) {
        const next = new Map(projects.value);
        next.delete(subject.value.id);
        projects.value = next;
      } else {
        projects.value = upsert(projects.value, subject.value.id, subject.value);
      }
      break;
    case "message":
      messages.value = upsert(messages.value, subject.value.id, subject.value);
      break;
    default:
      if (change.kind === ChangeKind.PROJECT_REMOVED) {
        const next = new Map(projects.value);
        next.delete(change.projectId);
        projects.value = next;
      }
  }
}

/** Every page of a listing: the daemon answers at most 1,000 items a page. */
async function allPages<R extends { nextPageToken: string }>(fetchPage: (pageToken: string) => Promise<R>, itemsOf: (response: R) => unknown[]): Promise<R> {
  const first = await fetchPage("");
  for (let token = first.nextPageToken; token !== ""; ) {
    const next = await fetchPage(token);
    itemsOf(first).push(...itemsOf(next));
    token = next.nextPageToken;
  }
  return first;
}

async function loadEverything(): Promise<void> {
  const [projectList, sessionList, workList, pending, healthNow] = await Promise.all([
    allPages((pageToken) => api.projects.listProjects({ pageToken }), (res) => res.projects),
    allPages((pageToken) => api.sessions.listSessions({ pageToken }), (res) => res.sessions),
    allPages((pageToken) => api.work.listWork({ pageToken }), (res) => res.workItems),
    allPages((pageToken) => api.events.listPendingEvents({ pageToken }), (res) => res.events),
    api.health.getHealth({}),
  ]);
  batch(() => {
    projects.value = new Map(projectList.projects.map((p) => [p.id, p]));
    sessions.value = new Map(sessionList.sessions.map((s) => [s.projectId, s]));
    workItems.value = new Map(workList.workItems.map((w) => [w.id, w]));
    events.value = mergeAll(events.value, pending.events, (e) => e.id);
    health.value = healthNow;
  });
}

export async function refreshHealth(): Promise<void> {
  try {
    health.value = await api.health.getHealth({});
  } catch {
    // The banner keeps the last answer; the feed state shows a lost connection.
  }
}

const SETTLE_MS = 250;

/**
 * Loads the state and follows the change feed until `signal` aborts. The lists are read at once (the
 * first paint) while the feed opens; every change that arrives is applied on top of them. Once the feed is
 * surely subscribed (its first change, or 250 ms) the lists are read once more and the changes seen so far
 * applied again: a change made between the first lists and the subscription is in the second ones. After a
 * dropped stream it resumes from the last `seq` it saw, so no change is lost or applied twice; with an
 * expired cursor it loads again.
 */
export async function followChanges(signal: AbortSignal): Promise<void> {
  let lastSeq = 0n;
  let delay = 250;
  const healthTimer = setInterval(() => void refreshHealth(), 5000);
  signal.addEventListener("abort", () => clearInterval(healthTimer), { once: true });
  let everLoaded = false;
  while (!signal.aborted) {
    if (!everLoaded) lastSeq = 0n;
    let loaded = everLoaded;
    // The changes of this attempt, until the second lists have been read.
    const seen: Change[] = [];
    let keeping = !everLoaded;
    const attempt = new AbortController();
    const stop = () => attempt.abort();
    signal.addEventListener("abort", stop, { once: true });
    let settle: (() => void) | undefined;
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
      setTimeout(resolve, SETTLE_MS);
    });
    const loading = loaded
      ? Promise.resolve()
      : (async () => {
          await loadEverything();
          batch(() => seen.forEach(applyChange));
          loaded = true;
          everLoaded = true;
          feedState.value = "live";
          loadError.value = undefined;
          await settled;
          await loadEverything();
          batch(() => seen.forEach(applyChange));
          keeping = false;
          seen.length = 0;
        })();
    try {
      const stream = api.watch.watchChanges({ afterSeq: lastSeq }, { signal: attempt.signal });
      if (everLoaded) feedState.value = "live";
      const reading = (async () => {
        for await (const { change } of stream) {
          if (change === undefined) continue;
          settle?.();
          lastSeq = change.seq;
          delay = 250;
          if (keeping) seen.push(change);
          if (loaded) applyChange(change);
        }
      })();
      await Promise.all([loading, reading]);
      // The daemon ended the stream (it is shutting down): reconnect from the cursor.
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ConnectError && error.code === Code.Unauthenticated) {
        feedState.value = "unauthorized";
        tokenRequired.value = true;
        return;
      }
      if (error instanceof ConnectError && error.code === Code.OutOfRange) everLoaded = false;
      loadError.value = errorText(error);
    } finally {
      attempt.abort();
      signal.removeEventListener("abort", stop);
    }
    if (signal.aborted) return;
    feedState.value = "reconnecting";
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 5000);
  }
}
