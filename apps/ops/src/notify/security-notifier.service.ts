import { Injectable } from '@nestjs/common';
import { ValidationError } from '@app/common';
import { AppConfig } from '@app/config';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { redactUrlPath } from '@app/security';

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

const COLORS: Record<Severity, string> = {
  critical: '#b71c1c',
  high: '#e65100',
  medium: '#f9a825',
  low: '#1565c0',
};
const ATTEMPTS = 3;
const BACKOFF_MS = [500, 1500];
const ATTEMPT_TIMEOUT_MS = 5000;

export interface SecurityAlert {
  severity: Severity;
  summary: string;
  /** An evidence archive to reference by name and SHA-256 (the file itself is not uploaded). */
  evidence?: string;
}

export interface SlackPayload {
  text: string;
  attachments: {
    color: string;
    title: string;
    text: string;
    fields: { title: string; value: string; short: boolean }[];
    footer: string;
    ts: number;
  }[];
}

export interface DeliveryAttempt {
  attempt: number;
  status: number | null;
  error?: string;
  ms: number;
}

export interface DeliveryResult {
  delivered: boolean;
  /** The webhook's origin only: its path is a credential. */
  target: string;
  attempts: DeliveryAttempt[];
  /** Why it was not delivered. */
  error?: string;
}

/**
 * Security alerts to a Slack-compatible incoming webhook (SECURITY_WEBHOOK_URL): `{text, attachments}`,
 * which Slack, Mattermost, Rocket.Chat and Discord's /slack endpoint all accept. Up to 3 attempts with
 * backoff on a 5xx, a 429 or a network error; a 4xx is final.
 */
@Injectable()
export class SecurityNotifier {
  constructor(private readonly config: AppConfig) {}

  get configuredUrl(): string | undefined {
    return this.config.securityWebhookUrl;
  }

  async payload(alert: SecurityAlert, now = new Date()): Promise<SlackPayload> {
    if (!SEVERITIES.includes(alert.severity)) {
      throw new ValidationError(`--severity must be one of ${SEVERITIES.join(', ')}`);
    }
    if (!alert.summary?.trim()) throw new ValidationError('--summary is required');
    const fields = [
      { title: 'Severity', value: alert.severity.toUpperCase(), short: true },
      { title: 'Environment', value: this.config.nodeEnv, short: true },
      { title: 'Host', value: os.hostname(), short: true },
      { title: 'Version', value: this.config.version, short: true },
    ];
    if (alert.evidence) {
      if (!existsSync(alert.evidence))
        throw new ValidationError(`--evidence: no such file: ${alert.evidence}`);
      const digest = await fileSha256(alert.evidence);
      fields.push({
        title: 'Evidence',
        value: `${path.basename(alert.evidence)} (${statSync(alert.evidence).size} bytes, sha256 ${digest})`,
        short: false,
      });
    }
    const summary = alert.summary.trim();
    return {
      text: `[${alert.severity.toUpperCase()}] Calendar Assistant security alert: ${summary}`,
      attachments: [
        {
          color: COLORS[alert.severity],
          title: `Security alert (${alert.severity})`,
          text: summary,
          fields,
          footer: 'calendar-assistant ops security notify',
          ts: Math.floor(now.getTime() / 1000),
        },
      ],
    };
  }

  async send(
    payload: SlackPayload,
    url: string,
    onAttempt?: (a: DeliveryAttempt, willRetry: boolean) => void,
  ): Promise<DeliveryResult> {
    const target = redactUrlPath(url);
    const attempts: DeliveryAttempt[] = [];
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const started = performance.now();
      let retryable = true;
      let retryAfterMs: number | null = null;
      const record: DeliveryAttempt = { attempt, status: null, ms: 0 };
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        });
        await res.arrayBuffer().catch(() => undefined);
        record.status = res.status;
        if (res.ok) {
          record.ms = Math.round(performance.now() - started);
          attempts.push(record);
          onAttempt?.(record, false);
          return { delivered: true, target, attempts };
        }
        retryable = res.status >= 500 || res.status === 429;
        const header = Number(res.headers.get('retry-after'));
        if (res.status === 429 && Number.isFinite(header) && header > 0)
          retryAfterMs = Math.min(header * 1000, 10_000);
        record.error = `HTTP ${res.status}`;
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        record.error =
          e.name === 'TimeoutError'
            ? `timed out after ${ATTEMPT_TIMEOUT_MS} ms`
            : (e.cause?.code ?? e.cause?.message ?? e.message);
      }
      record.ms = Math.round(performance.now() - started);
      attempts.push(record);
      const willRetry = retryable && attempt < ATTEMPTS;
      onAttempt?.(record, willRetry);
      if (!willRetry) break;
      await new Promise((r) => setTimeout(r, retryAfterMs ?? BACKOFF_MS[attempt - 1] ?? 1000));
    }
    const last = attempts[attempts.length - 1];
    return {
      delivered: false,
      target,
      attempts,
      error: `${last?.error ?? 'failed'} after ${attempts.length} attempt(s)`,
    };
  }
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
