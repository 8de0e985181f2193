// NetworkPolicy semantics for tests: what the policies selecting a pod allow, per port, as address
// ranges and opaque selectors. ipaddr.js parses the addresses; the range arithmetic is ours, as no
// well-kept CommonJS library does set arithmetic on ranges (cidr-tools is ESM-only; jest here loads CommonJS).
import ipaddr from 'ipaddr.js';

export type Direction = 'Ingress' | 'Egress';
type Labels = Record<string, string>;

interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}
interface Peer {
  ipBlock?: { cidr: string; except?: string[] };
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
}
interface PolicyPort {
  port?: number | string;
  endPort?: number;
  protocol?: string;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}
export interface NetworkPolicy {
  kind: 'NetworkPolicy';
  metadata: { name: string };
  spec: { podSelector: LabelSelector; policyTypes?: Direction[]; ingress?: Rule[]; egress?: Rule[] };
}

type Family = 'ipv4' | 'ipv6';
/** Inclusive [first, last] address numbers. */
type Range = [bigint, bigint];

/** Who may connect on one port: address ranges per family, selector peers, or every selector. */
export interface Sources {
  ranges: Record<Family, Range[]>;
  selectors: Set<string>;
  anySelector: boolean;
}

/**
 * What a pod is allowed in one direction: per port key (`TCP/http`, `TCP/*` for every TCP port,
 * `*` for every port), the sources (or destinations). Named and numbered ports are compared as
 * written. `isolated` is false when no policy selects the pod for that direction (then all is allowed).
 */
export interface Allowed {
  isolated: boolean;
  ports: Map<string, Sources>;
}

const BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };

function toNumber(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return addr.toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n);
}

export function cidrRange(cidr: string): { family: Family; range: Range } {
  const [addr, len] = ipaddr.parseCIDR(cidr);
  const family = addr.kind();
  const size = 1n << BigInt(BITS[family] - len);
  const first = toNumber(addr) & ~(size - 1n);
  return { family, range: [first, first + size - 1n] };
}

function merge(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Range[] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1] + 1n) last[1] = e > last[1] ? e : last[1];
    else out.push([s, e]);
  }
  return out;
}

function subtract(a: Range[], b: Range[]): Range[] {
  let cur = merge(a);
  for (const [bs, be] of merge(b)) {
    const next: Range[] = [];
    for (const [cs, ce] of cur) {
      if (be < cs || bs > ce) next.push([cs, ce]);
      else {
        if (cs < bs) next.push([cs, bs - 1n]);
        if (be < ce) next.push([be + 1n, ce]);
      }
    }
    cur = next;
  }
  return cur;
}

function emptySources(): Sources {
  return { ranges: { ipv4: [], ipv6: [] }, selectors: new Set(), anySelector: false };
}

function everything(): Sources {
  return {
    ranges: { ipv4: [cidrRange('0.0.0.0/0').range], ipv6: [cidrRange('::/0').range] },
    selectors: new Set(),
    anySelector: true,
  };
}

function addInto(into: Sources, from: Sources): void {
  for (const f of ['ipv4', 'ipv6'] as Family[])
    into.ranges[f] = merge([...into.ranges[f], ...from.ranges[f]]);
  for (const s of from.selectors) into.selectors.add(s);
  into.anySelector ||= from.anySelector;
}

function matches(selector: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(labels[e.key])
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(labels[e.key])
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

/** A selector peer as a stable key (sorted keys): two peers are the same only if written the same. */
function selectorKey(peer: Peer): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort({ namespaceSelector: peer.namespaceSelector, podSelector: peer.podSelector }));
}

function peerSources(peers: Peer[] | undefined): Sources {
  // No peers (missing or empty list) means every source.
  if (!peers || peers.length === 0) return everything();
  const out = emptySources();
  for (const peer of peers) {
    if (peer.ipBlock) {
      const { family, range } = cidrRange(peer.ipBlock.cidr);
      const except = (peer.ipBlock.except ?? []).map((c) => cidrRange(c)).filter((c) => c.family === family);
      out.ranges[family] = merge([
        ...out.ranges[family],
        ...subtract(
          [range],
          except.map((c) => c.range),
        ),
      ]);
    } else out.selectors.add(selectorKey(peer));
  }
  return out;
}

function portKeys(ports: PolicyPort[] | undefined): string[] {
  if (!ports || ports.length === 0) return ['*'];
  return ports.map((p) => {
    const port = p.port === undefined ? '*' : p.endPort ? `${p.port}-${p.endPort}` : String(p.port);
    return `${p.protocol ?? 'TCP'}/${port}`;
  });
}

function appliesTo(policy: NetworkPolicy, direction: Direction): boolean {
  const types = policy.spec.policyTypes ?? (policy.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
  return types.includes(direction);
}

/** The union over every policy that selects a pod with these labels of what it allows. */
export function allowed(policies: NetworkPolicy[], podLabels: Labels, direction: Direction): Allowed {
  const selecting = policies.filter(
    (p) => p.kind === 'NetworkPolicy' && matches(p.spec.podSelector, podLabels) && appliesTo(p, direction),
  );
  const ports = new Map<string, Sources>();
  if (selecting.length === 0) return { isolated: false, ports: new Map([['*', everything()]]) };
  for (const policy of selecting) {
    const rules = (direction === 'Ingress' ? policy.spec.ingress : policy.spec.egress) ?? [];
    for (const rule of rules) {
      const sources = peerSources(direction === 'Ingress' ? rule.from : rule.to);
      for (const key of portKeys(rule.ports)) {
        if (!ports.has(key)) ports.set(key, emptySources());
        addInto(ports.get(key)!, sources);
      }
    }
  }
  return { isolated: true, ports };
}

/** What `before` allows on a port key: its own entry plus the entries covering every port. */
function coveringSources(a: Allowed, key: string): Sources {
  const out = emptySources();
  const protocol = key.split('/')[0];
  const covering = key === '*' ? ['*'] : [key, `${protocol}/*`, '*'];
  for (const k of new Set(covering)) {
    const s = a.ports.get(k);
    if (s) addInto(out, s);
  }
  return out;
}

function formatRange(family: Family, [s, e]: Range): string {
  const addr = (n: bigint) => {
    const bytes: number[] = [];
    for (let i = 0; i < BITS[family] / 8; i++) bytes.unshift(Number((n >> BigInt(8 * i)) & 0xffn));
    return ipaddr.fromByteArray(bytes).toString();
  };
  return s === e ? addr(s) : `${addr(s)}-${addr(e)}`;
}

/** Everything `after` allows that `before` did not, one line each (empty: it only shrank or stayed). */
export function widening(before: Allowed, after: Allowed): string[] {
  const out: string[] = [];
  for (const [key, sources] of after.ports) {
    const was = coveringSources(before, key);
    for (const f of ['ipv4', 'ipv6'] as Family[])
      for (const r of subtract(sources.ranges[f], was.ranges[f]))
        out.push(`${key} from ${formatRange(f, r)}`);
    if (was.anySelector) continue;
    if (sources.anySelector) out.push(`${key} from every pod and namespace`);
    for (const s of sources.selectors) if (!was.selectors.has(s)) out.push(`${key} from ${s}`);
  }
  return out;
}

/** Whether an address may connect on a port key through an ipBlock (or a peer-less rule). */
export function allowsAddress(a: Allowed, address: string, key: string): boolean {
  const parsed = ipaddr.parse(address);
  const family = parsed.kind();
  const n = toNumber(parsed);
  return coveringSources(a, key).ranges[family].some(([s, e]) => s <= n && n <= e);
}
