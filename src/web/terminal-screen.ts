import { Terminal } from "@xterm/xterm";

export interface TerminalScreen {
  /** Replaces the screen with a snapshot, or appends output. */
  write(data: string, snapshot: boolean): void;
  dispose(): void;
}

/**
 * A read-only xterm.js terminal in `element`. The agent's output is interpreted only as terminal data:
 * it cannot reach the page (no stdin, links never open, the window title is left alone).
 */
export function openTerminalScreen(element: HTMLElement): TerminalScreen {
  const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
  const terminal = new Terminal({
    disableStdin: true,
    convertEol: false,
    cursorBlink: false,
    scrollback: 5000,
    fontSize: 13,
    rows: 30,
    cols: 100,
    linkHandler: { activate: () => undefined, allowNonHttpProtocols: false },
    theme: dark ? { background: "#0e0f12", foreground: "#d8dbe2" } : { background: "#ffffff", foreground: "#1d2026", cursor: "#1d2026", selectionBackground: "#b3d4ff" },
  });
  terminal.open(element);
  return {
    write(data, snapshot) {
      if (snapshot) {
        terminal.reset();
        // A snapshot is the screen's lines joined by "\n" with the empty rows below the cursor: those
        // would scroll the text away, and a bare line feed does not return the carriage.
        terminal.write(data.replace(/\n+$/, "").replace(/\r?\n/g, "\r\n"));
      } else {
        terminal.write(data);
      }
    },
    dispose: () => terminal.dispose(),
  };
}
