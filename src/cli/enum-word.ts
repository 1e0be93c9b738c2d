import type { DescEnum } from "@bufbuild/protobuf";
import { InvalidArgumentError } from "commander";

/**
 * Enum values as the REST API spells them: the value name without its enum's prefix, in lowercase
 * (`WORK_STATE_IN_PROGRESS` is `in_progress`).
 */
export function enumWord(desc: DescEnum, value: number): string {
  const found = desc.value[value];
  return found ? found.localName.toLowerCase() : String(value);
}

/** The words a user may type for an enum, without the zero "unspecified" value. */
export function enumWords(desc: DescEnum): string[] {
  return desc.values.filter((v) => v.number !== 0).map((v) => v.localName.toLowerCase());
}

/** Parses a word such as `high` or `IN_PROGRESS` (case-insensitively, `-` for `_` too) into an enum value. */
export function parseEnumWord(desc: DescEnum, word: string): number {
  const wanted = word.trim().toLowerCase().replaceAll("-", "_");
  const found = desc.values.find((v) => v.number !== 0 && v.localName.toLowerCase() === wanted);
  if (!found) {
    throw new InvalidArgumentError(`expected one of: ${enumWords(desc).join(", ")}`);
  }
  return found.number;
}

/** An argument parser for commander that turns a word into an enum value. */
export function enumArgParser(desc: DescEnum): (word: string) => number {
  return (word) => parseEnumWord(desc, word);
}
