import type { DescMethod, Message } from "@bufbuild/protobuf";
import { InvalidArgumentError, type Command } from "commander";
import type { CliContext } from "./cli-context.js";
import { terminalSafe } from "./terminal-text.js";
import { restResponseJson } from "./to-rest-json.js";

/** Adds an Examples section to a command's `--help`. */
export function addExamples(command: Command, ...examples: string[]): Command {
  return command.addHelpText("after", `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}\n`);
}

/** Adds `--json`, which prints the API's JSON (as the REST route answers) instead of a table. */
export function addJsonOption(command: Command): Command {
  return command.option("--json", "print the API's JSON, as `curl` of the REST route would");
}

/**
 * Prints a response as JSON when `--json` was given, else as the human view, which is given a copy of the
 * response whose text is safe for a terminal (callers name the parameter `res`, shadowing the raw one).
 */
export function printResponse<M extends Message>(
  ctx: CliContext,
  options: { json?: boolean },
  method: DescMethod,
  response: M,
  human: (safe: M) => string,
): void {
  if (options.json) ctx.output.json(restResponseJson(method, response));
  else ctx.output.line(human(terminalSafe(response)));
}

/** Joins the words of a variadic argument back into one text (`work add p Fix the build`). */
export function joinWords(words: string[]): string {
  return words.join(" ");
}

/** An argument parser for counts such as `--limit`. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive whole number");
  return n;
}

/** An argument parser for offsets and sequence numbers. */
export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number, 0 or more");
  return n;
}
