import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "chai";
import { EventSource } from "eventsource";
import { ChangeKind, ChangeSchema } from "../../gen/es/commander/v1/watch_service_pb.js";
import { startTestServer, waitFor } from "../server/fixtures/test-server.js";
import type { TestServer } from "../server/fixtures/test-server.js";
import { expectStatusBody, rest } from "./fixtures/rest-client.js";
import { ndjsonLines, openStream, sseEvents } from "./fixtures/stream-client.js";

const sse = { accept: "text/event-stream" };

describe("REST server streams", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ sseKeepAliveMs: 30 });
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    const { watch } = server.fixture;
    watch.requests.length = 0;
    watch.endAfterHistory = true;
    watch.aborted = 0;
  });

  describe("as newline-delimited JSON", () => {
    it("writes one {\"result\": ...} line per message", async () => {
      const stream = await openStream(server.baseUrl, "/api/changes");
      await stream.ended;
      expect(stream.status).to.equal(200);
      expect(stream.headers["content-type"]).to.match(/^application\/x-ndjson/);
      const lines = ndjsonLines(stream.text());
      expect(lines).to.have.length(3);
      expect(lines[0]).to.deep.equal({
        result: { change: { seq: "1", kind: "event_created", project_id: "p1", time: "2026-01-02T03:04:05.678Z" } },
      });
      expect(lines.map((line) => line.result.change.kind)).to.deep.equal(["event_created", "work_changed", "event_created"]);
    });

    it("serves the additional binding /api/events/stream, with repeated enums and int64 in the query", async () => {
      const stream = await openStream(server.baseUrl, "/api/events/stream?kinds=work_changed&kinds=CHANGE_KIND_EVENT_CREATED&after_seq=1");
      await stream.ended;
      const request = server.fixture.watch.requests[0];
      expect(request.kinds).to.deep.equal([ChangeKind.WORK_CHANGED, ChangeKind.EVENT_CREATED]);
      expect(request.afterSeq).to.equal(2n - 1n);
      expect(ndjsonLines(stream.text()).map((line) => line.result.change.seq)).to.deep.equal(["2", "3"]);
    });

    it("ends with an {\"error\": status} line when the stream fails after messages", async () => {
      const stream = await openStream(server.baseUrl, "/api/changes?project_id=explode");
      await stream.ended;
      expect(stream.status).to.equal(200);
      const lines = ndjsonLines(stream.text());
      expect(lines.slice(0, 3).every((line) => "result" in line)).to.equal(true);
      expect(lines[3]).to.deep.equal({
        error: {
          code: Code.ResourceExhausted,
          message: "subscriber fell behind",
          details: [
            { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "SUBSCRIBER_TOO_SLOW", domain: "commander", metadata: {} },
          ],
        },
      });
    });

    it("answers an error raised before any message with its HTTP status", async () => {
      const response = await rest(server.baseUrl, "GET", "/api/sessions/p1/output");
      expect(response.status).to.equal(404);
      expect(response.json).to.deep.equal({ code: 5, message: "no running session for project p1", details: [] });
      const asSse = await rest(server.baseUrl, "GET", "/api/sessions/p1/output", { headers: sse });
      expect(asSse.status).to.equal(404);
    });

    it("refuses a bad query before streaming", async () => {
      const response = await rest(server.baseUrl, "GET", "/api/changes?kinds=everything");
      expectStatusBody(response, 400, 3, "INVALID_FIELD_VALUE");
    });

    it("sends live messages and aborts the server-side stream when the client disconnects", async () => {
      server.fixture.watch.endAfterHistory = false;
      const stream = await openStream(server.baseUrl, "/api/changes?after_seq=3");
      expect(stream.status).to.equal(200);
      await waitFor(() => server.fixture.watch.active === 1, "the subscription to open");
      server.fixture.live.emit("change", create(ChangeSchema, { seq: 4n, kind: ChangeKind.INBOX_CHANGED }));
      await stream.waitForText((text) => text.includes('"seq":"4"'), "the live change");
      expect(ndjsonLines(stream.text())[0].result.change).to.include({ seq: "4", kind: "inbox_changed" });
      stream.close();
      await waitFor(() => server.fixture.watch.active === 0 && server.fixture.watch.aborted === 1, "the server stream to be aborted");
      const reason = server.fixture.watch.lastAbortReason;
      expect(reason).to.be.instanceOf(ConnectError);
      expect((reason as ConnectError).code).to.equal(Code.Canceled);
    });
  });

  describe("as Server-Sent Events", () => {
    it("writes id: <seq> and data: <message> per message", async () => {
      const stream = await openStream(server.baseUrl, "/api/changes", sse);
      await stream.ended;
      expect(stream.headers["content-type"]).to.match(/^text\/event-stream/);
      const events = sseEvents(stream.text());
      expect(events.map((event) => event.id)).to.deep.equal(["1", "2", "3"]);
      expect(JSON.parse(events[1].data)).to.deep.equal({
        change: { seq: "2", kind: "work_changed", project_id: "p1", time: "2026-01-02T03:04:05.678Z" },
      });
    });

    it("resumes after Last-Event-ID by setting after_seq, over the query's value", async () => {
      const stream = await openStream(server.baseUrl, "/api/changes?after_seq=0", { ...sse, "last-event-id": "2" });
      await stream.ended;
      expect(server.fixture.watch.requests[0].afterSeq).to.equal(2n);
      expect(sseEvents(stream.text()).map((event) => event.id)).to.deep.equal(["3"]);
    });

    it("refuses a Last-Event-ID that is not a sequence number", async () => {
      const response = await rest(server.baseUrl, "GET", "/api/changes", { headers: { ...sse, "last-event-id": "abc" } });
      expectStatusBody(response, 400, 3, "INVALID_FIELD_VALUE");
    });

    it("ends a failed stream with event: error and the status", async () => {
      const stream = await openStream(server.baseUrl, "/api/changes?project_id=explode", sse);
      await stream.ended;
      const events = sseEvents(stream.text());
      expect(events).to.have.length(4);
      expect(events[3].event).to.equal("error");
      expect(JSON.parse(events[3].data)).to.include({ code: 8, message: "subscriber fell behind" });
    });

    it("sends keep-alive comments while the stream is idle", async () => {
      server.fixture.watch.endAfterHistory = false;
      const stream = await openStream(server.baseUrl, "/api/changes?after_seq=3", sse);
      await stream.waitForText((text) => text.split(": keep-alive\n\n").length > 2, "two keep-alive comments");
      stream.close();
      await waitFor(() => server.fixture.watch.active === 0, "the server stream to end");
    });

    it("works with an EventSource client, which reconnects with Last-Event-ID", async () => {
      const received: string[] = [];
      const source = new EventSource(`${server.baseUrl}/api/changes`);
      source.onmessage = (event) => received.push(event.lastEventId);
      try {
        await waitFor(() => server.fixture.watch.requests.length >= 2, "EventSource to reconnect", 10_000);
      } finally {
        source.close();
      }
      expect(received.slice(0, 3)).to.deep.equal(["1", "2", "3"]);
      expect(server.fixture.watch.requests[1].afterSeq).to.equal(3n);
    }).timeout(15_000);
  });
});
