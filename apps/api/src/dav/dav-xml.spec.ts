import { DavPreconditionError } from '@app/calendar';
import { buildXml, davErrorXml, parseXml, Prefixes } from './dav-xml';

describe('dav-xml', () => {
  it('resolves namespaces, default and prefixed, and decodes the predefined entities only', () => {
    const el = parseXml(
      '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><x:color xmlns:x="http://apple.com/ns/ical/"/></prop><href>/a?b&amp;c&#65;</href></propfind>',
    );
    expect(el).toMatchObject({ ns: 'DAV:', name: 'propfind' });
    expect(el.children[0].children[0]).toMatchObject({ ns: 'http://apple.com/ns/ical/', name: 'color' });
    expect(el.children[1].text).toBe('/a?b&cA');
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE x><x/>'],
    ['an external entity', '<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>'],
    ['malformed XML', '<a><b></a>'],
    ['an undeclared prefix', '<d:propfind/>'],
    ['two roots', '<a/><b/>'],
    [
      'a prefix bound to no namespace',
      '<d:propfind xmlns:d="DAV:"><d:prop><bar:foo xmlns:bar=""/></d:prop></d:propfind>',
    ],
  ])('refuses %s with a 400', (_what, text) => {
    expect(() => parseXml(text)).toThrow(DavPreconditionError);
    try {
      parseXml(text);
    } catch (err) {
      expect((err as DavPreconditionError).status).toBe(400);
    }
  });

  it('builds escaped XML with the namespaces it uses declared', () => {
    const prefixes = new Prefixes();
    const tag = prefixes.tag('urn:x', 'thing');
    const out = buildXml('d:multistatus', { 'd:response': [{ 'd:href': '/a&<b>' }], [tag]: '' }, prefixes);
    expect(out).toContain('xmlns:x0="urn:x"');
    expect(out).toContain('<d:href>/a&amp;&lt;b&gt;</d:href>');
    expect(out).toContain('<x0:thing/>');
    expect(parseXml(out).name).toBe('multistatus');
  });

  it('writes a DAV:error with its precondition and message', () => {
    const out = davErrorXml({ ns: 'DAV:', name: 'valid-sync-token' }, 'expired <token>');
    const el = parseXml(out);
    expect(el).toMatchObject({ ns: 'DAV:', name: 'error' });
    expect(el.children.map((c) => c.name)).toEqual(['valid-sync-token', 'message']);
    expect(el.children[1].text).toBe('expired <token>');
  });
});
