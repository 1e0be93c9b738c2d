// How big and how long each section runs. `BENCH_QUICK=1` gives a smoke run of about two minutes; the
// full run is sized to finish in under ten minutes on a 2-core machine. Every size can be set on its own.

export interface BenchSettings {
  quick: boolean;
  /** Section ids to run (BENCH_ONLY=rest,grpc); null runs all. */
  only: ReadonlySet<string> | null;
  keepFiles: boolean;
  /** Each load figure alternates Commander and its baseline this many times (slices of duration / slices). */
  slices: number;
  rest: { durationS: number; warmupS: number; connections: number[]; projects: number; workItems: number };
  grpc: { durationS: number; warmupS: number; concurrency: number[] };
  durable: { durationS: number; connections: number; stored: number[] };
  events: { samples: number; warmup: number };
  claude: { enabled: boolean; samples: number };
  fanOut: { watchers: number; events: number };
  idle: { sessions: number; windowS: number; tickMs: number };
  scale: { workItems: number; events: number };
  cli: { runs: number; startItems: number };
  memory: { watchers: number; changes: number };
  /** A section that runs longer than this is stopped and reported as failed. */
  sectionTimeoutS: number;
}

function number(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got ${JSON.stringify(raw)})`);
  return value;
}

function numbers(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  return raw.split(",").map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a comma-separated list of whole numbers`);
    return value;
  });
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const quick = env.BENCH_QUICK === "1" || env.BENCH_QUICK === "true";
  const loadS = number("BENCH_DURATION", quick ? 1 : 4);
  const only = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(",").map((id) => id.trim()).filter(Boolean)) : null;
  return {
    quick,
    only,
    keepFiles: env.BENCH_KEEP === "1",
    slices: quick ? 1 : 2,
    rest: { durationS: loadS, warmupS: quick ? 0.5 : 1, connections: numbers("BENCH_CONNECTIONS", [1, 16, 64]), projects: 10, workItems: 1000 },
    grpc: { durationS: quick ? 1 : Math.max(1, loadS - 1), warmupS: quick ? 0.5 : 1, concurrency: numbers("BENCH_GRPC_CONCURRENCY", [1, 64]) },
    durable: { durationS: number("BENCH_DURABLE_DURATION", quick ? 2 : 5), connections: 64, stored: numbers("BENCH_STORED", quick ? [0, 2_000, 10_000] : [0, 10_000, 100_000]) },
    events: { samples: number("BENCH_SAMPLES", quick ? 10 : 40), warmup: quick ? 2 : 3 },
    claude: { enabled: env.BENCH_CLAUDE !== "0", samples: number("BENCH_CLAUDE_SAMPLES", quick ? 2 : 5) },
    fanOut: { watchers: number("BENCH_WATCHERS", quick ? 250 : 1000), events: number("BENCH_FANOUT_EVENTS", quick ? 3 : 10) },
    idle: { sessions: number("BENCH_SESSIONS", quick ? 5 : 20), windowS: number("BENCH_IDLE_WINDOW", quick ? 3 : 10), tickMs: number("BENCH_TICK_MS", 100) },
    scale: { workItems: number("BENCH_SCALE_ITEMS", quick ? 20_000 : 100_000), events: number("BENCH_SCALE_EVENTS", quick ? 20_000 : 100_000) },
    cli: { runs: number("BENCH_CLI_RUNS", 10), startItems: number("BENCH_START_ITEMS", 10_000) },
    memory: { watchers: number("BENCH_IDLE_WATCHERS", 500), changes: number("BENCH_IDLE_WATCHER_CHANGES", quick ? 1_000 : 3_000) },
    sectionTimeoutS: number("BENCH_SECTION_TIMEOUT", quick ? 120 : 240),
  };
}
