// `spillway ui`: the API over WebSocket for a browser on this machine, for headless machines
// (and for testing the UI where Electron cannot run). Safe by default:
//   - it listens on 127.0.0.1 only;
//   - the page and the API need the random token printed in the URL (another local user or a
//     web page cannot guess it); the page's static assets need only the right Host;
//   - the Host header must name 127.0.0.1/localhost and this port (DNS rebinding: a hostile
//     site's name pointed at 127.0.0.1 arrives with its own Host), and a WebSocket's Origin
//     must be this server's (a page elsewhere cannot drive it through the user's browser).

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveApi, type ApiBackend } from '../api/api-handler.js';
import type { MessageLink } from '../../src-shared/api.js';

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export interface WebServerOptions {
  /** Where jobs run and what history and settings are kept (shared by every page). */
  backend: ApiBackend;
  /** 0 (default): any free port. */
  port?: number;
  /** The built renderer to serve; a placeholder page when it is missing. */
  rendererDir?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** Why a request is refused, or null when it may go on. Pure, for the tests' sake too. */
export function refusalOf(
  request: { url?: string | undefined; headers: IncomingMessage['headers'] },
  port: number,
  token: string,
  websocket: boolean,
): string | null {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!request.headers.host || !hosts.includes(request.headers.host)) return 'wrong Host';
  if (websocket) {
    const origin = request.headers.origin;
    if (!origin || !hosts.some((host) => origin === `http://${host}`)) return 'wrong Origin';
  }
  const url = new URL(request.url ?? '/', 'http://x');
  // The page's scripts and styles hold no secret: they load without the token (their URLs
  // cannot carry it); the page itself and the API need it.
  if (!websocket && url.pathname.startsWith('/assets/')) return null;
  const given = url.searchParams.get('token') ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.byteLength !== b.byteLength || !timingSafeEqual(a, b)) return 'wrong token';
  return null;
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = randomBytes(24).toString('hex');
  options.backend.log?.keepSecret(token);
  let port = 0;
  const server: Server = createServer((request, response) => {
    const refused = refusalOf(request, port, token, false);
    if (refused) {
      response.writeHead(403, { 'content-type': 'text/plain' }).end(`Refused: ${refused}.\n`);
      return;
    }
    void serveFile(request, response, options.rendererDir);
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (request, socket, head) => {
    const refused =
      new URL(request.url ?? '/', 'http://x').pathname !== '/api'
        ? 'not the API'
        : refusalOf(request, port, token, true);
    if (refused) {
      socket.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\nRefused: ${refused}.\n`,
      );
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => serveWebSocket(options.backend, ws));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      for (const client of sockets.clients) client.terminate();
      await new Promise((resolve) => sockets.close(resolve));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A WebSocket as a MessageLink: JSON text frames both ways. */
export function webSocketLink(ws: WebSocket): MessageLink {
  return {
    send(message) {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    },
    onMessage(listener) {
      const onData = (data: unknown) => {
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(String(data));
        } catch {
          // answered as an invalid request
        }
        listener(parsed);
      };
      ws.on('message', onData);
      return () => ws.off('message', onData);
    },
  };
}

function serveWebSocket(backend: ApiBackend, ws: WebSocket): void {
  const stop = serveApi(backend, webSocketLink(ws));
  // A closed page cancels its jobs: nobody would see them end.
  ws.on('close', stop);
}

async function serveFile(request: IncomingMessage, response: ServerResponse, dir?: string) {
  const pathname = new URL(request.url ?? '/', 'http://x').pathname;
  if (!dir || !existsSync(join(dir, 'index.html'))) {
    response
      .writeHead(200, { 'content-type': TYPES['.html']!, 'content-security-policy': CSP })
      .end(
        '<!doctype html><title>Spillway</title><p>Spillway is running. The API is at /api ' +
          '(WebSocket); the user interface is not built (npm run build:renderer).</p>\n',
      );
    return;
  }
  // Paths stay inside the renderer's folder.
  const file = normalize(join(dir, pathname === '/' ? 'index.html' : pathname));
  if (!file.startsWith(normalize(dir) + '/') && file !== join(dir, 'index.html')) {
    response.writeHead(404).end();
    return;
  }
  try {
    const body = await readFile(file);
    response
      .writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': CSP,
      })
      .end(body);
  } catch {
    response.writeHead(404).end();
  }
}

/** Scripts and styles from this server only; connections back to it only. */
const CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; frame-ancestors 'none'";
