import { create, toBinary } from "@bufbuild/protobuf";
import type { DescExtension, DescFile, DescMessage, DescService, MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  ServerReflection,
  ServerReflectionResponseSchema,
} from "../../gen/es/grpc/reflection/v1/reflection_pb.js";
import type { ServerReflectionRequest } from "../../gen/es/grpc/reflection/v1/reflection_pb.js";

export interface ReflectionServiceOptions {
  /** The services this server serves, reflection itself included. */
  readonly services: Iterable<DescService>;
}

type MessageResponse = MessageInitShape<typeof ServerReflectionResponseSchema>["messageResponse"];

interface ReflectionIndex {
  readonly serviceNames: readonly string[];
  readonly files: ReadonlyMap<string, DescFile>;
  readonly symbols: ReadonlyMap<string, DescFile>;
  readonly extensions: ReadonlyMap<string, DescFile>;
  readonly extensionNumbers: ReadonlyMap<string, number[]>;
}

/**
 * The standard `grpc.reflection.v1.ServerReflection` service, answered from the protobuf-es descriptors
 * the server was built with (`DescFile.proto`), so `grpcurl` and `buf curl` work without proto files.
 * File answers carry the file and all its transitive dependencies, as the protocol asks.
 */
export function createReflectionService(options: ReflectionServiceOptions): ServiceImpl<typeof ServerReflection> {
  const index = buildIndex(options.services);
  return {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        yield create(ServerReflectionResponseSchema, {
          validHost: request.host,
          originalRequest: request,
          messageResponse: answer(index, request),
        });
      }
    },
  };
}

function answer(index: ReflectionIndex, request: ServerReflectionRequest): MessageResponse {
  const { messageRequest } = request;
  switch (messageRequest.case) {
    case "listServices":
      return {
        case: "listServicesResponse",
        value: { service: index.serviceNames.map((name) => ({ name })) },
      };
    case "fileByFilename":
      return fileAnswer(index.files.get(messageRequest.value), `file ${messageRequest.value}`);
    case "fileContainingSymbol":
      return fileAnswer(index.symbols.get(messageRequest.value), `symbol ${messageRequest.value}`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = messageRequest.value;
      const file = index.extensions.get(extensionKey(containingType, extensionNumber));
      return fileAnswer(file, `extension ${extensionNumber} of ${containingType}`);
    }
    case "allExtensionNumbersOfType": {
      if (!index.symbols.has(messageRequest.value)) {
        return errorAnswer(Code.NotFound, `type ${messageRequest.value} not found`);
      }
      const numbers = index.extensionNumbers.get(messageRequest.value) ?? [];
      return {
        case: "allExtensionNumbersResponse",
        value: { baseTypeName: messageRequest.value, extensionNumber: numbers },
      };
    }
    default:
      return errorAnswer(Code.InvalidArgument, "empty reflection request");
  }
}

function fileAnswer(file: DescFile | undefined, what: string): MessageResponse {
  if (file === undefined) {
    return errorAnswer(Code.NotFound, `${what} not found`);
  }
  return {
    case: "fileDescriptorResponse",
    value: { fileDescriptorProto: withDependencies(file).map(serialize) },
  };
}

function errorAnswer(code: Code, message: string): MessageResponse {
  return { case: "errorResponse", value: { errorCode: code, errorMessage: message } };
}

/** The file first, then every file it depends on, directly or not, each once. */
function withDependencies(file: DescFile): DescFile[] {
  const ordered: DescFile[] = [];
  const seen = new Set<string>();
  const visit = (current: DescFile) => {
    if (seen.has(current.proto.name)) return;
    seen.add(current.proto.name);
    ordered.push(current);
    current.dependencies.forEach(visit);
  };
  visit(file);
  return ordered;
}

const serialized = new WeakMap<DescFile, Uint8Array>();

function serialize(file: DescFile): Uint8Array {
  let bytes = serialized.get(file);
  if (bytes === undefined) {
    bytes = toBinary(FileDescriptorProtoSchema, file.proto);
    serialized.set(file, bytes);
  }
  return bytes;
}

function buildIndex(services: Iterable<DescService>): ReflectionIndex {
  const serviceNames = new Set<string>();
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const extensions = new Map<string, DescFile>();
  const extensionNumbers = new Map<string, number[]>();
  const addExtension = (extension: DescExtension, file: DescFile) => {
    symbols.set(extension.typeName, file);
    extensions.set(extensionKey(extension.extendee.typeName, extension.number), file);
    const numbers = extensionNumbers.get(extension.extendee.typeName) ?? [];
    numbers.push(extension.number);
    extensionNumbers.set(extension.extendee.typeName, numbers);
  };
  const addMessage = (message: DescMessage, file: DescFile) => {
    symbols.set(message.typeName, file);
    message.nestedMessages.forEach((nested) => addMessage(nested, file));
    message.nestedEnums.forEach((nested) => symbols.set(nested.typeName, file));
    message.nestedExtensions.forEach((nested) => addExtension(nested, file));
  };
  const addFile = (file: DescFile) => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    file.messages.forEach((message) => addMessage(message, file));
    file.enums.forEach((enumeration) => symbols.set(enumeration.typeName, file));
    file.extensions.forEach((extension) => addExtension(extension, file));
    for (const service of file.services) {
      symbols.set(service.typeName, file);
      service.methods.forEach((method) => symbols.set(`${service.typeName}.${method.name}`, file));
    }
    file.dependencies.forEach(addFile);
  };
  for (const service of services) {
    serviceNames.add(service.typeName);
    addFile(service.file);
  }
  return { serviceNames: [...serviceNames].sort(), files, symbols, extensions, extensionNumbers };
}

function extensionKey(typeName: string, number: number): string {
  return `${typeName}#${number}`;
}
