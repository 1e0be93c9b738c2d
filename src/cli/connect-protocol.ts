// The parts of connect-es's Connect protocol (`@connectrpc/connect/protocol-connect`, outside its stable
// API) that the command line's own unary transport reads answers with: the client-side twin of
// src/server/connect-internals.ts, and like it the only module of its side that imports them.
// test/server/connect-internals.test.ts checks that each still behaves as the transport relies on.
export { codeFromHttpStatus, errorFromJsonBytes, parseContentType, trailerDemux } from "@connectrpc/connect/protocol-connect";
