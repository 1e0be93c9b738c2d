/** The npm lifecycle events under which the daemon is the (grand)child of npm: `npm start`, `npx`/`npm exec`. */
const NPM_LAUNCHES = new Set(["start", "npx"]);

/**
 * Calls `onGone` once when the process that launched the daemon through npm exits. `npx commander daemon`
 * runs the daemon under `npm exec` → `sh -c`; npm passes a SIGTERM to the shell, which dies of it without
 * passing it on, and the daemon, re-parented, would keep its port and lock. Losing that parent is the
 * only trace of the signal the daemon gets. Returns a function that stops watching; does nothing (and
 * returns a no-op) outside npm.
 */
export function watchNpmLauncher(env: NodeJS.ProcessEnv, onGone: (parentPid: number) => void, intervalMs = 250): () => void {
  if (!NPM_LAUNCHES.has(env.npm_lifecycle_event ?? "")) return () => undefined;
  const parentPid = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parentPid) return;
    clearInterval(timer);
    onGone(parentPid);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
