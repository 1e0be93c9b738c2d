import { createInterface } from "node:readline";
import { EventType, type Event, type Question } from "../../gen/es/commander/v1/event_pb.js";
import type { CliIo } from "./cli-io.js";
import type { Output } from "./create-output.js";
import { terminalText } from "./terminal-text.js";
import { PromptCancelledError } from "./usage-error.js";

/**
 * Interactive answers to Claude's questions and plans, as `resolution` text the daemon reads: for each
 * question its options (by number or label; several comma-separated for a multi-select question) or a
 * free-text answer; for a plan, approve / approve:acceptEdits / reject with feedback. Returns undefined for
 * other events (answered with the plain option prompt).
 */
export async function promptEventAnswer(io: CliIo, output: Output, event: Event): Promise<string | undefined> {
  if (event.type === EventType.QUESTION && event.questions.length > 0) {
    return withLines(io, output, async (ask) => {
      const answers: Record<string, string> = {};
      for (const question of event.questions) answers[question.question] = await answerQuestion(output, ask, question, event.questions.length > 1);
      return event.questions.length === 1 ? answers[event.questions[0].question] : JSON.stringify(answers);
    });
  }
  if (event.type === EventType.PLAN_APPROVAL && event.options.length > 0) {
    return withLines(io, output, async (ask) => {
      const { bold, cyan } = output.color;
      event.options.forEach((option, index) => output.line(`  ${cyan(`${index + 1})`)} ${terminalText(option)}`));
      let choice: string | undefined;
      while (choice === undefined) {
        const answer = await ask(bold(`Choose 1-${event.options.length}: `));
        choice = /^\d+$/.test(answer) ? event.options[Number(answer) - 1] : event.options.find((option) => option.toLowerCase() === answer.toLowerCase());
      }
      if (choice !== "reject") return choice;
      const feedback = await ask(bold("What should Claude change? (empty: just reject) "));
      return feedback === "" ? "reject" : `reject: ${feedback}`;
    });
  }
  return undefined;
}

type Ask = (prompt: string) => Promise<string>;

async function answerQuestion(output: Output, ask: Ask, question: Question, numbered: boolean): Promise<string> {
  const { bold, cyan, dim } = output.color;
  output.line();
  output.line(bold(`${question.header ? `[${terminalText(question.header)}] ` : ""}${terminalText(question.question)}`));
  question.options.forEach((option, index) => {
    const description = option.description ? dim(` — ${terminalText(option.description)}`) : "";
    output.line(`  ${cyan(`${index + 1})`)} ${terminalText(option.label)}${description}`);
  });
  const range = question.options.length > 0 ? `1-${question.options.length}${question.multiSelect ? ", several comma-separated" : ""}, or ` : "";
  for (;;) {
    const answer = await ask(bold(`${numbered ? "Answer" : "Choose"} (${range}type your own answer): `));
    if (answer === "") continue;
    const pieces = question.multiSelect ? answer.split(",").map((piece) => piece.trim()).filter((piece) => piece !== "") : [answer];
    const labels = pieces.map((piece) => {
      const number = /^\d+$/.test(piece) ? Number(piece) : NaN;
      if (number >= 1 && number <= question.options.length) return question.options[number - 1].label;
      return question.options.find((option) => option.label.toLowerCase() === piece.toLowerCase())?.label ?? piece;
    });
    return labels.join(", ");
  }
}

/** Runs `body` with one line reader for all its questions (a reader per question would lose typed-ahead lines). */
async function withLines<T>(io: CliIo, output: Output, body: (ask: Ask) => Promise<T>): Promise<T> {
  const rl = createInterface({ input: io.stdin, output: io.stdout, terminal: io.stdin.isTTY === true });
  const lines: string[] = [];
  const waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  let ended = false;
  const fail = (why: string) => {
    ended = true;
    for (const waiter of waiting.splice(0)) waiter.reject(new PromptCancelledError(why));
  };
  rl.on("line", (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(line.trim());
    else lines.push(line.trim());
  });
  rl.on("close", () => fail("no answer given"));
  rl.on("SIGINT", () => {
    output.line();
    fail("cancelled");
    rl.close();
  });
  io.signal?.addEventListener("abort", () => {
    fail("cancelled");
    rl.close();
  }, { once: true });
  const ask: Ask = (prompt) => {
    io.stdout.write(prompt);
    const line = lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (ended) return Promise.reject(new PromptCancelledError("no answer given"));
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
  try {
    return await body(ask);
  } finally {
    rl.removeAllListeners("close");
    rl.close();
  }
}
