import type {
  ChangeKind,
  ChangeRecord,
  EventRecord,
  InboxMessageRecord,
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
}

export type CollectionName = keyof CollectionRecords;

export const COLLECTION_NAMES: readonly CollectionName[] = ["projects", "sessions", "work", "events", "inbox", "changes"];

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
  };
  lastChangeSeq = 0;

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

  sessionOfProject(projectId: string): SessionRecord | undefined {
    for (const session of this.sessions.values()) if (session.projectId === projectId) return session;
    return undefined;
  }
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
    this.ops.push({ collection, id: key, record, before: map.get(key) ?? null } as StateOp);
    map.set(key, record);
  }

  delete(collection: CollectionName, id: string): void {
    const map = this.state.collections[collection] as Map<string, unknown>;
    if (!map.has(id)) return;
    this.ops.push({ collection, id, record: null, before: map.get(id) } as StateOp);
    map.delete(id);
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
    for (let index = this.ops.length - 1; index >= 0; index--) {
      const op = this.ops[index];
      const map = this.state.collections[op.collection] as Map<string, unknown>;
      if (op.before === null) map.delete(op.id);
      else map.set(op.id, op.before);
    }
    if (this.changes.length > 0 && this.state.lastChangeSeq === this.changes[this.changes.length - 1].seq) {
      this.state.lastChangeSeq = this.changes[0].seq - 1;
    }
  }
}
