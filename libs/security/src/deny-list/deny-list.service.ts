import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DenyListEntry, DenyListStore } from '@app/cache';
import { ipVersion, normalizeIp, ValidationError } from '@app/common';

/** How often each API replica checks Redis for deny-list changes: a block takes effect within this. */
export const DENY_LIST_REFRESH_MS = 2000;
/** Management calls (the ops CLI) wait this long for a connection that is still opening. */
const CLI_CONNECT_TIMEOUT_MS = 2000;

/**
 * The IP deny list. The API checks addresses against an in-memory Set (no Redis round trip on the
 * request path) that it refreshes from Redis every 2 s — reading only a version counter unless the
 * list changed. While Redis is down the last list it read stays in force. The ops CLI manages the
 * list through the same service.
 */
@Injectable()
export class DenyListService implements OnApplicationShutdown {
  private readonly logger = new Logger(DenyListService.name);
  private denied = new Set<string>();
  private version: string | null = null;
  private timer?: NodeJS.Timeout;

  constructor(private readonly store: DenyListStore) {}

  /** The hot-path check: a Set lookup. */
  isDenied(ip: string): boolean {
    return this.denied.size > 0 && this.denied.has(normalizeIp(ip));
  }

  /** The API: load the list now (waiting up to 1 s for Redis at start-up), then keep it fresh. */
  async startRefreshing(intervalMs = DENY_LIST_REFRESH_MS): Promise<void> {
    await this.store.whenReady(1000).catch(() => undefined);
    await this.refresh();
    this.timer ??= setInterval(() => void this.refresh(), intervalMs).unref();
  }

  /** Reloads the set when its version changed; keeps the last one on any error. */
  async refresh(): Promise<void> {
    if (!this.store.available) return;
    try {
      const version = await this.store.version();
      if (version === this.version) return;
      const members = await this.store.members();
      this.denied = new Set(members.map(normalizeIp));
      this.version = version;
    } catch (err) {
      this.logger.debug(`deny list refresh: ${(err as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async list(): Promise<DenyListEntry[]> {
    await this.store.whenReady(CLI_CONNECT_TIMEOUT_MS);
    return this.store.list();
  }

  async size(): Promise<number> {
    await this.store.whenReady(CLI_CONNECT_TIMEOUT_MS);
    return this.store.size();
  }

  /** Adds addresses (validated and normalised); returns the ones that were not listed yet. */
  async add(ips: string[], reason: string, source: string): Promise<string[]> {
    const normalized = validIps(ips);
    await this.store.whenReady(CLI_CONNECT_TIMEOUT_MS);
    const before = new Set(await this.store.members());
    const addedAt = new Date().toISOString();
    await this.store.add(normalized.map((ip) => ({ ip, reason, addedAt, source })));
    return normalized.filter((ip) => !before.has(ip));
  }

  /** Removes addresses; returns how many were listed. */
  async remove(ips: string[]): Promise<number> {
    const normalized = validIps(ips);
    await this.store.whenReady(CLI_CONNECT_TIMEOUT_MS);
    return this.store.remove(normalized);
  }
}

function validIps(ips: string[]): string[] {
  const bad = ips.filter((ip) => ipVersion(ip) === 0);
  if (bad.length) throw new ValidationError(`not an IP address: ${bad.join(', ')}`);
  return [...new Set(ips.map(normalizeIp))];
}
