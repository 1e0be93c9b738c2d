import { BLOCKING_EVENT_TYPES } from "./records.js";
import type {
  ChangeKind,
  ChangeRecord,
  EventRecord,
  InboxMessageRecord,
  NotificationTargetRecord,
  OutboxRecord,
  ProjectRecord,
  SessionRecord,
  WorkItemRecord,
} from "./records.js";

export interface CollectionRecords {
  projects: ProjectRecord;
  sessions: SessionRecord;
  work: WorkItemRecord;
  events: EventRecord;
  inbox: InboxMessageRecord;
  changes: ChangeRecord;
  outbox: OutboxRecord;
  notification_targets: NotificationTargetRecord;
}

export type CollectionName = keyof CollectionRecords;

export const COLLECTION_NAMES: readonly CollectionName[] = ["projects", "sessions", "work", "events", "inbox", "changes", "outbox", "notification_targets"];

type Collections = { [C in CollectionName]: Map<string, CollectionRecords[C]> };

/** Everything Commander knows, in memory. Maps keep insertion order, which is creation order. */
export class CommanderState {
  readonly collections: Collections = {
    projects: new Map(),
    sessions: new Map(),
    work: new Map(),
    events: new Map(),
    inbox: new Map(),
    changes: new Map(),
    outbox: new Map(),
    notification_targets: new Map(),
  };
  lastChangeSeq = 0;
  /** Goes up with every record written, deleted or restored: whatever is derived from the state at one revision holds until the next. */
  revision = 0;
  // Per-project indexes, so rules touching one project never scan every record of every project.
  private readonly workIdsByProject = new Map<string, Set<string>>();
  private readonly eventIdsByProject = new Map<string, Set<string>>();
  private readonly unfinishedByProject = new Map<string, Set<string>>();
  // What a project's state is derived from on every write to it: without these, each write scanned all of
  // the project's work items and events (its whole history).
  private readonly inProgressByProject = new Map<string, Set<string>>();
  private readonly blockingByProject = new Map<string, Set<string>>();
  private readonly pendingEventsByProject = new Map<string, Set<string>>();

  get projects(): Map<string, ProjectRecord> {
    return this.collections.projects;
  }
  get sessions(): Map<string, SessionRecord> {
    return this.collections.sessions;
  }
  get work(): Map<string, WorkItemRecord> {
    return this.collections.work;
  }
  get events(): Map<string, EventRecord> {
    return this.collections.events;
  }
  get inbox(): Map<string, InboxMessageRecord> {
    return this.collections.inbox;
  }
  get changes(): Map<string, ChangeRecord> {
    return this.collections.changes;
  }

  /** A project's work items, in creation order. */
  *workOf(projectId: string): Iterable<WorkItemRecord> {
    for (const id of this.workIdsByProject.get(projectId) ?? []) {
      const item = this.work.get(id);
      if (item) yield item;
    }
  }

  /** A project's events, in creation order. */
  *eventsOf(projectId: string): Iterable<EventRecord> {
    for (const id of this.eventIdsByProject.get(projectId) ?? []) {
      const event = this.events.get(id);
      if (event) yield event;
    }
  }

  /** Work items of the project that have not ended (queued, in progress or blocked). */
  unfinishedWorkCount(projectId: string): number {
    return this.unfinishedByProject.get(projectId)?.size ?? 0;
  }

  /**
   * A project's unfinished work items, in the order they were queued: creation order, since an item is
   * queued when created and an ended one never comes back (only the rollback of its ending puts it last).
   */
  *unfinishedWorkOf(projectId: string): Iterable<WorkItemRecord> {
    for (const id of this.unfinishedByProject.get(projectId) ?? []) {
      const item = this.work.get(id);
      if (item) yield item;
    }
  }

  /** The project's first work item in progress, in creation order. */
  firstWorkInProgress(projectId: string): WorkItemRecord | undefined {
    const ids = this.inProgressByProject.get(projectId);
    if (!ids) return undefined;
    if (ids.size === 1) return this.work.get(ids.values().next().value!);
    // Several (rare): the index's order is when they started, not when they were created.
    for (const item of this.workOf(projectId)) if (item.state === "in_progress") return item;
    return undefined;
  }

  /** Events of the project still waiting for an answer. */
  pendingEventCount(projectId: string): number {
    return this.pendingEventsByProject.get(projectId)?.size ?? 0;
  }

  /** The project's first pending event of a blocking type, in creation order. */
  firstBlockingEvent(projectId: string): EventRecord | undefined {
    const ids = this.blockingByProject.get(projectId);
    if (!ids) return undefined;
    if (ids.size === 1) return this.events.get(ids.values().next().value!);
    for (const event of this.eventsOf(projectId)) if (isBlocking(event)) return event;
    return undefined;
  }

  /** Keeps the indexes in step with a record being written (`after`) or deleted (`after` null). */
  reindex(collection: CollectionName, id: string, before: unknown, after: unknown): void {
    if (collection === "work") {
      const previous = before as WorkItemRecord | null;
      const next = after as WorkItemRecord | null;
      if (previous) {
        // An item that stays unfinished keeps its place (Set.add of a member does not move it).
        if (isUnfinished(previous) && !(next && isUnfinished(next) && next.projectId === previous.projectId)) {
          removeFromIndex(this.unfinishedByProject, previous.projectId, id);
        }
        if (!next || next.projectId !== previous.projectId) this.workIdsByProject.get(previous.projectId)?.delete(id);
      }
      if (next) {
        if (isUnfinished(next)) addToIndex(this.unfinishedByProject, next.projectId, id);
        addToIndex(this.workIdsByProject, next.projectId, id);
      }
      if (previous?.state === "in_progress") removeFromIndex(this.inProgressByProject, previous.projectId, id);
      if (next?.state === "in_progress") addToIndex(this.inProgressByProject, next.projectId, id);
    } else if (collection === "events") {
      const previous = before as EventRecord | null;
      const next = after as EventRecord | null;
      if (previous && (!next || next.projectId !== previous.projectId)) this.eventIdsByProject.get(previous.projectId)?.delete(id);
      if (next) addToIndex(this.eventIdsByProject, next.projectId, id);
      if (previous && isBlocking(previous)) removeFromIndex(this.blockingByProject, previous.projectId, id);
      if (next && isBlocking(next)) addToIndex(this.blockingByProject, next.projectId, id);
      if (previous?.status === "pending") removeFromIndex(this.pendingEventsByProject, previous.projectId, id);
      if (next?.status === "pending") addToIndex(this.pendingEventsByProject, next.projectId, id);
    }
  }

  /** Rebuilds the indexes after records were loaded straight into the maps. */
  rebuildIndexes(): void {
    this.revision++;
    this.workIdsByProject.clear();
    this.eventIdsByProject.clear();
    this.unfinishedByProject.clear();
    this.inProgressByProject.clear();
    this.blockingByProject.clear();
    this.pendingEventsByProject.clear();
    for (const [id, item] of this.work) this.reindex("work", id, null, item);
    for (const [id, event] of this.events) this.reindex("events", id, null, event);
  }

  sessionOfProject(projectId: string): SessionRecord | undefined {
    for (const session of this.sessions.values()) if (session.projectId === projectId) return session;
    return undefined;
  }
}

function isUnfinished(item: WorkItemRecord): boolean {
  return item.state === "queued" || item.state === "in_progress" || item.state === "blocked";
}

function isBlocking(event: EventRecord): boolean {
  return event.status === "pending" && BLOCKING_EVENT_TYPES.has(event.type);
}

// Empty sets are dropped: a project with none is then a single failed lookup.
function removeFromIndex(index: Map<string, Set<string>>, projectId: string, id: string): void {
  const ids = index.get(projectId);
  if (ids?.delete(id) && ids.size === 0) index.delete(projectId);
}

function addToIndex(index: Map<string, Set<string>>, projectId: string, id: string): void {
  let ids = index.get(projectId);
  if (!ids) index.set(projectId, (ids = new Set()));
  ids.add(id);
}

/** One record written (or deleted, when `record` is null), with what was there before. */
export interface StateOp<C extends CollectionName = CollectionName> {
  collection: C;
  id: string;
  record: CollectionRecords[C] | null;
  before: CollectionRecords[C] | null;
}

/**
 * The changes of one operation. They are applied to memory at once (so the rules that follow see them)
 * and written to disk as one unit; if the write fails, `rollback` restores every record.
 */
export class StateTransaction {
  readonly ops: StateOp[] = [];
  readonly changes: ChangeRecord[] = [];

  constructor(
    readonly state: CommanderState,
    readonly now: string,
  ) {}

  put<C extends CollectionName>(collection: C, record: CollectionRecords[C] & { id?: string }, id?: string): void {
    const key = id ?? (record as { id: string }).id;
    const map = this.state.collections[collection] as Map<string, CollectionRecords[C]>;
    const before = map.get(key) ?? null;
    this.ops.push({ collection, id: key, record, before } as StateOp);
    map.set(key, record);
    this.state.revision++;
    this.state.reindex(collection, key, before, record);
  }

  delete(collection: CollectionName, id: string): void {
    const map = this.state.collections[collection] as Map<string, unknown>;
    if (!map.has(id)) return;
    const before = map.get(id);
    this.ops.push({ collection, id, record: null, before } as StateOp);
    map.delete(id);
    this.state.revision++;
    this.state.reindex(collection, id, before, null);
  }

  /** Records a change for watchers; it is stored with the transaction so it can be replayed. */
  change(kind: ChangeKind, projectId: string, subject: ChangeRecord["subject"]): void {
    const change: ChangeRecord = { seq: ++this.state.lastChangeSeq, kind, projectId, time: this.now, subject };
    this.changes.push(change);
    this.put("changes", change, String(change.seq));
  }

  get isEmpty(): boolean {
    return this.ops.length === 0;
  }

  rollback(): void {
    this.state.revision++;
    for (let index = this.ops.length - 1; index >= 0; index--) {
      const op = this.ops[index];
      const map = this.state.collections[op.collection] as Map<string, unknown>;
      const current = map.get(op.id) ?? null;
      if (op.before === null) map.delete(op.id);
      else map.set(op.id, op.before);
      this.state.reindex(op.collection, op.id, current, op.before);
    }
    if (this.changes.length > 0 && this.state.lastChangeSeq === this.changes[this.changes.length - 1].seq) {
      this.state.lastChangeSeq = this.changes[0].seq - 1;
    }
  }
}
