import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';

// Node's own HTTP client, not fetch: bodies stay Node streams end to end (no web-stream conversion per
// chunk), which is what lets gigabyte transfers run near disk speed with flat memory.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** Sends a request whose body (if any) is streamed; resolves with the response stream. */
export function streamRequest(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: Readable },
): Promise<IncomingMessage> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      target,
      { method: options.method, headers: options.headers, agent: secure ? agents.https : agents.http },
      resolve,
    );
    req.on('error', reject);
    if (options.body) {
      options.body.on('error', (error) => req.destroy(error));
      options.body.pipe(req);
    } else {
      req.end();
    }
  });
}

/** Reads a whole (small) response body as text. */
export async function readText(res: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res) text += chunk;
  return text;
}
