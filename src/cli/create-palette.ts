/** ANSI styles, or identity functions when colour is off. */
export interface Palette {
  enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  blue(text: string): string;
  magenta(text: string): string;
  cyan(text: string): string;
}

const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
} as const;

export function createPalette(enabled: boolean): Palette {
  const style = (open: number, close: number) => (text: string) =>
    enabled && text !== "" ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    enabled,
    bold: style(...codes.bold),
    dim: style(...codes.dim),
    red: style(...codes.red),
    green: style(...codes.green),
    yellow: style(...codes.yellow),
    blue: style(...codes.blue),
    magenta: style(...codes.magenta),
    cyan: style(...codes.cyan),
  };
}

/**
 * Colour only on a terminal, and never when NO_COLOR is set to anything non-empty (https://no-color.org);
 * FORCE_COLOR lets tests and pagers ask for it anyway.
 */
export function shouldUseColor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>, flag?: boolean): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}
