import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { addressAllowed, guardedLookup, WebhookUrlMode } from './webhook-url.policy';

export interface SendResult {
  /** The HTTP status, or null when there was no answer. */
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** Refused by the URL policy (a permanent failure: no retry). */
  refused: boolean;
}

/** No answer within this long is a failed attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** At most this much of a response body is read (then discarded). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * One POST of a webhook body. The URL policy is applied again at delivery: an IP literal directly,
 * a host name through a lookup that checks every address and connects to the checked one. Redirects
 * are not followed (a 3xx is a failed attempt).
 */
export function postWebhook(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  mode: WebhookUrlMode,
  signal?: AbortSignal,
  timeoutMs = DELIVERY_TIMEOUT_MS,
): Promise<SendResult> {
  const started = performance.now();
  const done = (r: Omit<SendResult, 'latencyMs'>): SendResult => ({
    ...r,
    latencyMs: Math.round(performance.now() - started),
  });
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return Promise.resolve(done({ statusCode: null, error: 'invalid URL', refused: true }));
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return Promise.resolve(done({ statusCode: null, error: 'unsupported protocol', refused: true }));
  }
  if (mode === 'production' && url.protocol !== 'https:') {
    return Promise.resolve(
      done({ statusCode: null, error: 'webhook refused: must be https', refused: true }),
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const refused = addressAllowed(host, url.protocol, mode);
    if (refused)
      return Promise.resolve(done({ statusCode: null, error: `webhook refused: ${refused}`, refused: true }));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Omit<SendResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      resolve(done(r));
    };
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(url.protocol, mode) as unknown as http.RequestOptions['lookup'],
        timeout: timeoutMs,
        signal,
        agent: false,
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        const status = res.statusCode ?? null;
        const ok = status !== null && status >= 200 && status < 300;
        const result = { statusCode: status, error: ok ? null : `HTTP ${status}`, refused: false };
        res.on('end', () => finish(result));
        res.on('close', () => finish(result));
        res.on('error', () => finish(result));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      finish({ statusCode: null, error: err.message, refused: err.code === 'EWEBHOOKREFUSED' });
    });
    req.end(body);
  });
}
