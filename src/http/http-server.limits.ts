import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AppConfig } from '../config/config.module';

/** A client that has not sent its request line and headers within this long is not a real client. */
const HEADERS_TIMEOUT_MS = 10_000;
/**
 * How often Node looks for requests past their timeouts (its default, 30 s, would let a request
 * overstay its timeout by as much); the check walks only the open connections.
 */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/**
 * What one connection may take from the process. Node's defaults suit neither a public API nor a load
 * balancer: a request may trickle in for 5 minutes, and idle keep-alive connections close after 5 s,
 * before the balancer's own idle timeout (60 s for most), so the balancer sometimes sends a request on a
 * connection the server is closing and the client gets a 502. Must run before the server listens: Node
 * reads the checking interval when it starts listening.
 */
export function applyServerLimits(server: Server, { http }: AppConfig): void {
  const { requestTimeoutMs, keepAliveTimeoutMs, maxConnections } = http.server;
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, requestTimeoutMs);
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.maxConnections = maxConnections;
  // A createServer() option in Node's types, but a plain property that listen() reads.
  (server as CheckedServer).connectionsCheckingInterval = Math.min(CONNECTIONS_CHECKING_INTERVAL_MS, requestTimeoutMs);
  closeEachConnectionOnceIdleAfterClose(server);
}

/**
 * server.close() ends the connections idle at that moment only: one whose request was under way would
 * stay open for the whole keep-alive timeout after its response, and hold up the shutdown that long.
 */
function closeEachConnectionOnceIdleAfterClose(server: Server): void {
  server.on('request', (_request: IncomingMessage, response: ServerResponse) =>
    response.once('finish', () => {
      // Node marks the connection idle after the response's own finish handling.
      if (!server.listening) setImmediate(() => server.closeIdleConnections());
    }),
  );
}

type CheckedServer = Server & { connectionsCheckingInterval: number };
