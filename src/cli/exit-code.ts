/** Exit codes that scripts can rely on; the issue fixes them. */
export const ExitCode = {
  ok: 0,
  apiError: 1,
  usage: 2,
  unreachable: 3,
  /** What shells report for a process ended by Ctrl+C. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
