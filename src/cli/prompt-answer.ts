import { createInterface, type Interface } from "node:readline";
import type { CliIo } from "./cli-io.js";
import type { Output } from "./create-output.js";
import { terminalText } from "./terminal-text.js";
import { PromptCancelledError } from "./usage-error.js";

/**
 * Asks the user to pick one of `options` by number or by name (case-insensitively) and resolves with
 * the option as spelled by the daemon (shown safe for the terminal). Asks again after an answer that
 * matches nothing.
 */
export async function promptChoice(io: CliIo, output: Output, options: string[]): Promise<string> {
  const { bold, cyan } = output.color;
  const shown = options.map((option) => terminalText(option));
  shown.forEach((option, i) => output.line(`  ${cyan(`${i + 1})`)} ${option}`));
  return ask(io, output, bold(`Choose 1-${options.length}: `), (answer) => {
    const number = /^\d+$/.test(answer) ? Number(answer) : NaN;
    if (number >= 1 && number <= options.length) return options[number - 1];
    const byName = options.find((o) => o.toLowerCase() === answer.toLowerCase());
    if (byName !== undefined) return byName;
    output.line(`Answer with a number from 1 to ${options.length} or one of: ${shown.join(", ")}`);
    return undefined;
  });
}

/** Asks for a free-text answer; asks again when it is empty. */
export function promptText(io: CliIo, output: Output, question: string): Promise<string> {
  return ask(io, output, output.color.bold(question), (answer) => (answer === "" ? undefined : answer));
}

function ask(io: CliIo, output: Output, question: string, accept: (answer: string) => string | undefined): Promise<string> {
  const rl: Interface = createInterface({ input: io.stdin, output: io.stdout, terminal: io.stdin.isTTY === true });
  return new Promise<string>((resolvePromise, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      rl.close();
      fn();
    };
    // In raw mode Ctrl+C reaches readline, not the process; treat it as giving up.
    rl.on("SIGINT", () => {
      output.line();
      finish(() => reject(new PromptCancelledError("cancelled")));
    });
    rl.on("close", () => finish(() => reject(new PromptCancelledError("no answer given"))));
    io.signal?.addEventListener("abort", () => finish(() => reject(new PromptCancelledError("cancelled"))), { once: true });
    const askOnce = () =>
      rl.question(question, (raw) => {
        const accepted = accept(raw.trim());
        if (accepted === undefined) askOnce();
        else finish(() => resolvePromise(accepted));
      });
    askOnce();
  });
}
