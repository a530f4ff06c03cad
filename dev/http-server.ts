/** Small pieces both loopback IdP fakes need from node:http. */
import type { IncomingMessage, Server } from 'node:http';

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive sockets of SDK agents would otherwise hold close() open.
    server.closeAllConnections();
  });
}
