import { Injectable } from '@nestjs/common';
import { AUDIT_EVENT_TYPES, AuditEventType, AuditService } from '@app/audit';
import { ipVersion, isInternalIp, normalizeIp } from '@app/common';
import { DenyListService } from '../deny-list/deny-list.service';

/** The event types that make an address suspicious; `blocked_ip` only shows it is already denied. */
export const SUSPICIOUS_EVENT_TYPES = ['auth_failure', 'not_found', 'rate_limited'] as const;

/** Addresses whose last-seen time is looked up (the rest report null). */
const LAST_SEEN_LOOKUPS = 100;

export type EventCounts = Record<AuditEventType, number>;

export interface SuspiciousIp {
  ip: string;
  /** auth failures + 404s + rate-limit refusals in the window. */
  score: number;
  counts: EventCounts;
  /** Null beyond the 100 worst addresses (one read each). */
  lastSeen: string | null;
  /** Already on the API's deny list (null when Redis could not be read). */
  denied: boolean | null;
  /** Loopback, private or link-local: likely a proxy, node or pod — check TRUST_PROXY before blocking. */
  internal: boolean;
  /** A literal IP address (identity records 'unknown' when it has none). */
  blockable: boolean;
}

export interface SuspiciousIpsReport {
  since: string;
  until: string;
  threshold: number;
  /** Distinct addresses with any security event in the window. */
  addresses: number;
  totals: EventCounts;
  suspicious: SuspiciousIp[];
  /** Set when the deny list could not be read. */
  denyListError?: string;
}

const emptyCounts = (): EventCounts =>
  Object.fromEntries(AUDIT_EVENT_TYPES.map((t) => [t, 0])) as EventCounts;

/**
 * Finds addresses with many auth failures, 404s (probing) or rate-limit refusals in the audit log:
 * one $match + $group over the window (FerretDB supports both; the rest is done here).
 */
@Injectable()
export class SuspiciousIpsService {
  constructor(
    private readonly audit: AuditService,
    private readonly denyList: DenyListService,
  ) {}

  async find(opts: { sinceMs: number; threshold: number; now?: Date }): Promise<SuspiciousIpsReport> {
    const until = opts.now ?? new Date();
    const since = new Date(until.getTime() - opts.sinceMs);
    const rows = await this.audit.countByIpAndType(since, AUDIT_EVENT_TYPES);
    const byIp = new Map<string, { counts: EventCounts; raw: Set<string> }>();
    const totals = emptyCounts();
    for (const row of rows) {
      const ip = normalizeIp(row.ip ?? 'unknown');
      const entry = byIp.get(ip) ?? { counts: emptyCounts(), raw: new Set<string>() };
      const type = row.type as AuditEventType;
      if (!(type in entry.counts)) continue;
      entry.counts[type] += row.count;
      totals[type] += row.count;
      entry.raw.add(row.ip);
      byIp.set(ip, entry);
    }

    let denied: Set<string> | null = null;
    let denyListError: string | undefined;
    try {
      denied = new Set((await this.denyList.list()).map((e) => e.ip));
    } catch (err) {
      denyListError = (err as Error).message;
    }

    const suspicious: SuspiciousIp[] = [];
    for (const [ip, { counts }] of byIp) {
      const score = SUSPICIOUS_EVENT_TYPES.reduce((sum, t) => sum + counts[t], 0);
      if (score < opts.threshold) continue;
      suspicious.push({
        ip,
        score,
        counts,
        lastSeen: null,
        denied: denied ? denied.has(ip) : null,
        internal: isInternalIp(ip),
        blockable: ipVersion(ip) !== 0,
      });
    }
    suspicious.sort((a, b) => b.score - a.score || a.ip.localeCompare(b.ip));
    // One indexed read per address: only for the worst ones.
    for (const s of suspicious.slice(0, LAST_SEEN_LOOKUPS)) {
      const seen = await this.audit.lastSeen([...byIp.get(s.ip)!.raw], since);
      const last = [...seen.values()].sort((a, b) => b.getTime() - a.getTime())[0];
      s.lastSeen = last ? last.toISOString() : null;
    }
    return {
      since: since.toISOString(),
      until: until.toISOString(),
      threshold: opts.threshold,
      addresses: byIp.size,
      totals,
      suspicious,
      ...(denyListError ? { denyListError } : {}),
    };
  }

  /** Adds the report's blockable addresses to the deny list; returns the newly added ones. */
  async block(report: SuspiciousIpsReport, source: string): Promise<string[]> {
    const targets = report.suspicious.filter((s) => s.blockable && s.denied !== true);
    const added: string[] = [];
    for (const s of targets) {
      const reason = `${s.score} suspicious events between ${report.since} and ${report.until} (${SUSPICIOUS_EVENT_TYPES.filter(
        (t) => s.counts[t] > 0,
      )
        .map((t) => `${t} ${s.counts[t]}`)
        .join(', ')})`;
      added.push(...(await this.denyList.add([s.ip], reason, source)));
    }
    return added;
  }
}
