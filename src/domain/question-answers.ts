import { CommanderError } from "./commander-error.js";

// Claude Code's AskUserQuestion: `tool_input.questions[]`, each with `question`, `header`, `multiSelect`
// and `options[]` (`label`, `description`). The CLI takes the answers as `answers: {"<question text>":
// "<label>"}` in the PermissionRequest hook's `updatedInput`, several labels joined with ", " (verified
// with 2.1.332; the model then receives "Your questions have been answered: ...").
//
// How a resolution names the answers:
// - one question: an option's label or its 1-based number, or free text; for a multi-select question
//   several of them, comma-separated (`Red, 3`);
// - several questions: one answer per line, in order, each read as above; or a JSON object keyed by the
//   question's text, its header or its 1-based number, whose values are a string or a list of strings.
// The stored resolution is the canonical form: the answer (labels spelled as offered) for one question,
// the JSON object of answers keyed by question text for several.

export interface AskedQuestion {
  question: string;
  header: string;
  options: Array<{ label: string; description: string }>;
  multiSelect: boolean;
}

/** The questions of an AskUserQuestion input (malformed entries are skipped). */
export function askedQuestions(toolInput: Record<string, unknown>): AskedQuestion[] {
  const raw = Array.isArray(toolInput.questions) ? toolInput.questions : [];
  const questions: AskedQuestion[] = [];
  for (const item of raw) {
    if (typeof item !== "object" || item === null) continue;
    const entry = item as Record<string, unknown>;
    if (typeof entry.question !== "string" || entry.question === "") continue;
    const options = (Array.isArray(entry.options) ? entry.options : [])
      .filter((option): option is Record<string, unknown> => typeof option === "object" && option !== null && typeof (option as Record<string, unknown>).label === "string")
      .map((option) => ({ label: String(option.label), description: typeof option.description === "string" ? option.description : "" }));
    questions.push({ question: entry.question, header: typeof entry.header === "string" ? entry.header : "", options, multiSelect: entry.multiSelect === true });
  }
  return questions;
}

/** The canonical form of an answer to these questions; an answer that cannot be read is INVALID_RESOLUTION. */
export function normaliseQuestionAnswer(questions: readonly AskedQuestion[], resolution: string): string {
  const answers = questionAnswers(questions, resolution);
  return questions.length === 1 ? answers[questions[0].question] : JSON.stringify(answers);
}

/** The `answers` object Claude Code takes, from a resolution (canonical or as a person wrote it). */
export function questionAnswers(questions: readonly AskedQuestion[], resolution: string): Record<string, string> {
  const text = resolution.trim();
  if (questions.length === 0) throw invalid("the event has no questions to answer");
  if (text === "") throw invalid("must not be empty");
  const parts = text.startsWith("{") ? fromObject(questions, text) : fromLines(questions, text);
  const answers: Record<string, string> = {};
  questions.forEach((question, index) => {
    answers[question.question] = answerOne(question, parts[index]);
  });
  return answers;
}

function fromLines(questions: readonly AskedQuestion[], text: string): Array<string | string[]> {
  if (questions.length === 1) return [text];
  const lines = text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  if (lines.length !== questions.length) {
    throw invalid(`${questions.length} questions need ${questions.length} answers, one per line (or a JSON object keyed by question); got ${lines.length}`);
  }
  return lines;
}

function fromObject(questions: readonly AskedQuestion[], text: string): Array<string | string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    if (questions.length === 1) return [text]; // free text that happens to start with "{"
    throw invalid("is not a valid JSON object");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalid("must be a JSON object keyed by question");
  const entries = Object.entries(parsed as Record<string, unknown>);
  const parts: Array<string | string[] | undefined> = questions.map(() => undefined);
  for (const [key, value] of entries) {
    const index = questions.findIndex(
      (question, position) => question.question === key || (question.header !== "" && question.header.toLowerCase() === key.toLowerCase()) || String(position + 1) === key,
    );
    if (index < 0) throw invalid(`${JSON.stringify(key)} is not one of the questions (their text, header or number)`);
    if (typeof value === "string") parts[index] = value;
    else if (Array.isArray(value) && value.every((item) => typeof item === "string")) parts[index] = value as string[];
    else throw invalid(`the answer to ${JSON.stringify(key)} must be a string or a list of strings`);
  }
  const missing = questions.filter((_, index) => parts[index] === undefined).map((question) => JSON.stringify(question.question));
  if (missing.length > 0) throw invalid(`no answer to ${missing.join(", ")}`);
  return parts as Array<string | string[]>;
}

function answerOne(question: AskedQuestion, answer: string | string[]): string {
  const pieces = Array.isArray(answer) ? answer : question.multiSelect ? answer.split(",") : [answer];
  const chosen = pieces.map((piece) => piece.trim()).filter((piece) => piece !== "").map((piece) => optionLabel(question, piece));
  if (chosen.length === 0) throw invalid(`the answer to ${JSON.stringify(question.question)} is empty`);
  if (!question.multiSelect && chosen.length > 1) throw invalid(`${JSON.stringify(question.question)} takes one answer`);
  return chosen.join(", ");
}

/** An option's label (by label, case-insensitively, or by 1-based number), else the free text itself. */
function optionLabel(question: AskedQuestion, piece: string): string {
  const byLabel = question.options.find((option) => option.label.toLowerCase() === piece.toLowerCase());
  if (byLabel) return byLabel.label;
  if (/^\d+$/.test(piece)) {
    const option = question.options[Number(piece) - 1];
    if (option) return option.label;
    throw invalid(`${piece} is not an option of ${JSON.stringify(question.question)} (1-${question.options.length})`);
  }
  return piece;
}

function invalid(problem: string): CommanderError {
  return new CommanderError("INVALID_RESOLUTION", `resolution: ${problem}`, { field: "resolution" });
}
