import type { DescEnum } from "@bufbuild/protobuf";
import { invalidField } from "../../domain/commander-error.js";

// The domain names enum values with the API's lowercase words (`in_progress`); protobuf-es strips the
// shared prefix into `localName` (`WORK_STATE_IN_PROGRESS` -> `IN_PROGRESS`), so the mapping is generic.

export function enumToWord<W extends string>(desc: DescEnum, value: number): W {
  const found = desc.values.find((candidate) => candidate.number === value);
  if (!found) throw new Error(`${desc.typeName} has no value ${value}`);
  return found.localName.toLowerCase() as W;
}

export function wordToEnum(desc: DescEnum, word: string): number {
  const found = desc.values.find((candidate) => candidate.localName.toLowerCase() === word);
  if (!found) throw new Error(`${desc.typeName} has no value ${word}`);
  return found.number;
}

/**
 * `UNSPECIFIED` (0) means "not given": null, so the domain applies its default or no filter. A number the
 * enum does not have (binary and numeric JSON clients can send one) is an invalid `field`.
 */
export function optionalEnumWord<W extends string>(desc: DescEnum, value: number, field: string): W | null {
  if (value === 0) return null;
  if (!desc.values.some((candidate) => candidate.number === value)) {
    const words = desc.values.filter((candidate) => candidate.number !== 0).map((candidate) => candidate.localName.toLowerCase());
    throw invalidField(field, `${value} is not one of ${words.join(", ")}`);
  }
  return enumToWord<W>(desc, value);
}
