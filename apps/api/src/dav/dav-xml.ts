import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { CALDAV_NS, DAV_NS, DavPreconditionError } from '@app/calendar';

/** The namespaces this server speaks, with the prefixes its answers use. */
export const NS = {
  dav: DAV_NS,
  caldav: CALDAV_NS,
  cs: 'http://calendarserver.org/ns/',
  apple: 'http://apple.com/ns/ical/',
} as const;
const PREFIXES: Record<string, string> = { [NS.dav]: 'd', [NS.caldav]: 'c', [NS.cs]: 'cs', [NS.apple]: 'ic' };

/** An element of a request body, its namespace resolved. */
export interface XmlElement {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** A property name: namespace and local name. */
export interface QName {
  ns: string;
  name: string;
}

export const qkey = (q: QName) => `{${q.ns}}${q.name}`;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Entities are never expanded (no DTD is read: a body declaring one is refused before parsing).
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

type Ordered = Record<string, unknown>;

/** A 400 with DAV:error naming what is wrong with the body. */
const badXml = (message: string) => new DavPreconditionError(400, null, message);

/**
 * Parses a WebDAV request body: well-formed XML without a DOCTYPE (so no entity can be declared,
 * external or expanding: XXE and billion laughs are refused outright, never expanded).
 */
export function parseXml(text: string): XmlElement {
  if (/<!DOCTYPE|<!ENTITY/i.test(text))
    throw badXml('XML with a DOCTYPE or ENTITY declaration is refused (no DTDs, no entities).');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw badXml(`Malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  const roots = (parser.parse(text) as Ordered[]).filter((n) => !isMarkup(n));
  if (roots.length !== 1) throw badXml('The XML body must have exactly one root element.');
  return resolve(roots[0], {});
}

/** Text, comments, the XML declaration and processing instructions: not elements. */
const isMarkup = (node: Ordered) => Object.keys(node).some((k) => k.startsWith('#') || k.startsWith('?'));

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The five predefined XML entities and character references in text (no other entity exists here). */
function decodeText(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-f]{1,6});/gi, (all, ref: string) => {
    if (ref[0] !== '#') return PREDEFINED[ref.toLowerCase()] ?? all;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

function resolve(node: Ordered, scope: Record<string, string>): XmlElement {
  const tag = Object.keys(node).find((k) => k !== ':@') as string;
  const attrs = (node[':@'] as Record<string, string> | undefined) ?? {};
  const inner: Record<string, string> = { ...scope };
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'xmlns') inner[''] = v;
    else if (k.startsWith('xmlns:')) {
      // Namespaces in XML 1.0 §3: a prefix cannot be bound to the empty name.
      if (!v) throw badXml(`The prefix "${k.slice(6)}" is declared with an empty namespace name.`);
      inner[k.slice(6)] = v;
    }
  }
  const colon = tag.indexOf(':');
  const prefix = colon < 0 ? '' : tag.slice(0, colon);
  const ns = inner[prefix];
  if (ns === undefined && prefix) throw badXml(`The prefix "${prefix}" of <${tag}> is not declared.`);
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[tag] as Ordered[]) ?? []) {
    if ('#text' in child) text += decodeText(String(child['#text']));
    else if (!isMarkup(child)) children.push(resolve(child, inner));
  }
  const values = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, decodeText(String(v))]));
  return { ns: ns ?? '', name: colon < 0 ? tag : tag.slice(colon + 1), attrs: values, children, text };
}

/** The first child with this namespace and name. */
export const child = (el: XmlElement | undefined, ns: string, name: string) =>
  el?.children.find((c) => c.ns === ns && c.name === name);

/** An XML fragment for the builder: `{tag: content}` objects and arrays, in the builder's shape. */
export type XmlValue = string | XmlFragment | XmlFragment[];
export interface XmlFragment {
  [tag: string]: XmlValue | undefined;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  format: false,
  processEntities: true,
});

/** Prefixes for the namespaces of one answer: the known ones, plus x0, x1… for those a client asked about. */
export class Prefixes {
  private readonly extra = new Map<string, string>();

  tag(ns: string, name: string): string {
    const known = PREFIXES[ns];
    if (known) return `${known}:${name}`;
    if (!ns) return name;
    let prefix = this.extra.get(ns);
    if (!prefix) {
      prefix = `x${this.extra.size}`;
      this.extra.set(ns, prefix);
    }
    return `${prefix}:${name}`;
  }

  declarations(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [ns, prefix] of Object.entries(PREFIXES)) out[`@_xmlns:${prefix}`] = ns;
    for (const [ns, prefix] of this.extra) out[`@_xmlns:${prefix}`] = ns;
    return out;
  }
}

/** A complete XML document with `root` (already prefixed) as its element. */
export function buildXml(root: string, body: XmlFragment, prefixes: Prefixes): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    (builder.build({ [root]: { ...prefixes.declarations(), ...body } }) as string)
  );
}

/** `<d:error>` naming the precondition, with a human-readable message (RFC 4918 §16). */
export function davErrorXml(condition: QName | null, message: string): string {
  const prefixes = new Prefixes();
  const body: XmlFragment = {};
  if (condition) body[prefixes.tag(condition.ns, condition.name)] = '';
  body['d:message'] = message;
  return buildXml('d:error', body, prefixes);
}
