import { create } from "@bufbuild/protobuf";
import type { DescMethodStreaming, DescMethodUnary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Transport } from "@connectrpc/connect";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport, Http2SessionManager } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import type { RpcCase } from "./api-surface.js";

export const PROTOCOLS = ["Connect over HTTP/1.1", "Connect over h2c", "gRPC-Web", "gRPC over h2c"] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];

export interface OpenTransport {
  readonly transport: Transport;
  close(): void;
}

export function openTransport(protocol: ProtocolName, baseUrl: string): OpenTransport {
  switch (protocol) {
    case "Connect over HTTP/1.1":
      return { transport: createConnectTransport({ baseUrl, httpVersion: "1.1" }), close() {} };
    case "Connect over h2c": {
      const sessionManager = new Http2SessionManager(baseUrl);
      return { transport: createConnectTransport({ baseUrl, httpVersion: "2", sessionManager }), close: () => sessionManager.abort() };
    }
    case "gRPC-Web":
      return { transport: createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }), close() {} };
    case "gRPC over h2c": {
      const sessionManager = new Http2SessionManager(baseUrl);
      return { transport: createGrpcTransport({ baseUrl, sessionManager }), close: () => sessionManager.abort() };
    }
  }
}

/**
 * Calls any RPC with an empty request and resolves with the error it ends with, or undefined when it
 * succeeds (for a stream: when its first message arrives, or it is still open after `timeoutMs`).
 */
export async function callRpc(transport: Transport, rpc: RpcCase, headers: Record<string, string>, timeoutMs = 5000): Promise<ConnectError | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ConnectError("still open", Code.DeadlineExceeded)), timeoutMs);
  try {
    if (!rpc.streaming) {
      await transport.unary(rpc.method as DescMethodUnary, controller.signal, undefined, headers, create(rpc.method.input), undefined);
      return undefined;
    }
    const response = await transport.stream(
      rpc.method as DescMethodStreaming,
      controller.signal,
      undefined,
      headers,
      createAsyncIterable([create(rpc.method.input)]),
      undefined,
    );
    for await (const _ of response.message) break;
    return undefined;
  } catch (reason) {
    const error = ConnectError.from(reason);
    return controller.signal.aborted && error.code === Code.DeadlineExceeded ? undefined : error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** Calls any RPC through @grpc/grpc-js with an empty request; resolves with the final status code. */
export function callWithGrpcJs(address: string, rpc: RpcCase, metadata: Record<string, string>): Promise<{ code: number; details: string }> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const meta = new grpc.Metadata();
  for (const [key, value] of Object.entries(metadata)) meta.set(key, value);
  const serialize = () => Buffer.alloc(0); // an empty message is valid for every request type
  const deserialize = (bytes: Buffer) => bytes;
  return new Promise((resolve) => {
    const done = (status: { code: number; details: string }) => {
      client.close();
      resolve({ code: status.code, details: status.details });
    };
    const deadline = Date.now() + 5000;
    if (rpc.method.methodKind === "unary") {
      client.makeUnaryRequest(rpc.path, serialize, deserialize, {}, meta, { deadline }, (error) =>
        done(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, details: "" }),
      );
      return;
    }
    let call: grpc.ClientReadableStream<Buffer> | grpc.ClientDuplexStream<object, Buffer>;
    if (rpc.method.methodKind === "server_streaming") {
      call = client.makeServerStreamRequest(rpc.path, serialize, deserialize, {}, meta, { deadline });
    } else {
      const duplex = client.makeBidiStreamRequest<object, Buffer>(rpc.path, serialize, deserialize, meta, { deadline });
      duplex.write({});
      duplex.end();
      call = duplex;
    }
    call.on("data", () => {
      call.cancel();
    });
    call.on("error", () => undefined);
    call.on("status", (status: grpc.StatusObject) => done({ code: status.code, details: status.details }));
  });
}
