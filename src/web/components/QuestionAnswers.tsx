import { useState } from "preact/hooks";
import type { Event } from "../../../gen/es/commander/v1/event_pb.js";
import { questionsResolution, unansweredQuestion } from "../event-answers.js";

/**
 * Claude's questions (AskUserQuestion): each with its header, text and options (a button per option for a
 * single choice, a checkbox for several; each named by its label, its description beside it) and an
 * answer in the person's own words. With one single-choice question a click answers at once; otherwise
 * the answers are sent together.
 */
export function QuestionAnswers({ event, busy, resolve }: { event: Event; busy: boolean; resolve: (resolution: string) => Promise<boolean> }) {
  const questions = event.questions;
  const [chosen, setChosen] = useState<string[][]>(() => questions.map(() => []));
  const [own, setOwn] = useState<string[]>(() => questions.map(() => ""));
  const immediate = questions.length === 1 && !questions[0].multiSelect;
  const missing = unansweredQuestion(questions, chosen, own);
  const pick = (index: number, label: string, on: boolean) =>
    setChosen(chosen.map((labels, at) => (at !== index ? labels : questions[index].multiSelect ? (on ? [...labels, label] : labels.filter((l) => l !== label)) : on ? [label] : [])));
  const send = () => resolve(questionsResolution(questions, chosen, own));
  return (
    <form
      class="questions"
      onSubmit={(e) => {
        e.preventDefault();
        if (missing === undefined) void send();
      }}
    >
      {questions.map((question, index) => {
        const id = `q-${event.id}-${index}`;
        return (
          <fieldset class="question" key={index} aria-labelledby={`${id}-text`}>
            {question.header !== "" ? <p class="tag question-header">{question.header}</p> : null}
            <p id={`${id}-text`} class="question-text agent-text-inline">
              {question.question}
            </p>
            <ul class="question-options">
              {question.options.map((option, at) => {
                const optionId = `${id}-o${at}`;
                const selected = chosen[index].includes(option.label);
                return (
                  <li key={at}>
                    {question.multiSelect ? (
                      <label class="check">
                        <input
                          type="checkbox"
                          checked={selected}
                          disabled={busy}
                          aria-describedby={option.description !== "" ? `${optionId}-d` : undefined}
                          onChange={(e) => pick(index, option.label, e.currentTarget.checked)}
                        />
                        <span class="option-label">{option.label}</span>
                      </label>
                    ) : (
                      <button
                        type="button"
                        class={selected ? "primary" : ""}
                        aria-pressed={immediate ? undefined : selected}
                        disabled={busy}
                        aria-describedby={option.description !== "" ? `${optionId}-d` : undefined}
                        onClick={() => (immediate ? void resolve(JSON.stringify({ 1: option.label })) : pick(index, option.label, !selected))}
                      >
                        {option.label}
                      </button>
                    )}
                    {option.description !== "" ? (
                      <span id={`${optionId}-d`} class="option-description">
                        {option.description}
                      </span>
                    ) : null}
                  </li>
                );
              })}
            </ul>
            {question.freeTextAllowed ? (
              <div class="free-text">
                <label for={`${id}-own`}>{question.options.length > 0 ? (question.multiSelect ? "Also, in your own words" : "Or in your own words") : "Your answer"}</label>
                <input id={`${id}-own`} value={own[index]} disabled={busy} onInput={(e) => setOwn(own.map((text, at) => (at === index ? e.currentTarget.value : text)))} />
              </div>
            ) : null}
          </fieldset>
        );
      })}
      {!immediate || own[0].trim() !== "" ? (
        <button type="submit" class="primary" disabled={busy || missing !== undefined}>
          {questions.length > 1 ? "Send answers" : "Send answer"}
        </button>
      ) : null}
      {!immediate && missing !== undefined ? <p class="small">Still to answer: {missing.header || missing.question}</p> : null}
    </form>
  );
}
