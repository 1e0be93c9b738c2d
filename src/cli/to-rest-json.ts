import { getOption, hasOption, type DescMethod, type JsonValue, type Message } from "@bufbuild/protobuf";
import { http } from "../../gen/es/google/api/annotations_pb.js";
import { toRestJson } from "../gateway/rest-json.js";

// `--json` prints exactly what the REST route prints (`curl http://127.0.0.1:8765/api/...`), so both
// share the gateway's one definition of REST JSON: proto field names, defaults and nulls emitted, enum
// values as lowercase words.
export { toRestJson };

/**
 * The JSON that the method's REST route answers with: the field named by its `google.api.http`
 * `response_body`, or the whole response.
 */
export function restResponseJson(method: DescMethod, response: Message): JsonValue {
  const rule = hasOption(method, http) ? getOption(method, http) : undefined;
  const bodyField = rule?.responseBody ? method.output.fields.find((f) => f.name === rule.responseBody) : undefined;
  if (bodyField?.fieldKind === "message") {
    const value = (response as unknown as Record<string, Message | undefined>)[bodyField.localName];
    return value === undefined ? null : toRestJson(bodyField.message, value as never);
  }
  return toRestJson(method.output, response as never);
}
