import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ValidationError } from '@app/common';
import { stringify } from 'yaml';
import { loadOncall, ONCALL_LEVELS, parseOncall } from './oncall.contacts';

const level = (name: string, after: number) => ({
  name,
  pager: `pagerduty:${name}`,
  chat: `@${name}`,
  phone: '+41 44 000 00 00',
  escalateAfterMinutes: after,
});
const real = {
  primary: level('ana', 0),
  secondary: level('ben', 15),
  dba: level('cho', 30),
  architect: level('dev', 60),
  cto: level('eve', 120),
  alertmanager: { enabled: true },
};

describe('on-call contacts (values.yaml oncall.*)', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'oncall-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the five levels of the chart’s own values.yaml in escalation order, marked as placeholders', () => {
    const { contacts } = loadOncall({});
    expect(contacts.map((c) => c.level)).toEqual([...ONCALL_LEVELS]);
    expect(contacts.map((c) => c.escalateAfterMinutes)).toEqual([0, 15, 30, 60, 120]);
    expect(contacts.every((c) => c.placeholder)).toBe(true);
  });

  it('reads a --values file, and ONCALL_CONTACTS (the pod’s copy) when no file is named', () => {
    const file = path.join(dir, 'prod.yaml');
    writeFileSync(file, stringify({ oncall: real }));
    const fromFile = loadOncall({ ONCALL_CONTACTS: JSON.stringify({}) }, file);
    expect(fromFile.source).toBe(file);
    expect(fromFile.contacts.map((c) => [c.level, c.name, c.placeholder])).toEqual([
      ['primary', 'ana', false],
      ['secondary', 'ben', false],
      ['dba', 'cho', false],
      ['architect', 'dev', false],
      ['cto', 'eve', false],
    ]);
    const fromEnv = loadOncall({ ONCALL_CONTACTS: JSON.stringify(real) });
    expect(fromEnv.source).toBe('ONCALL_CONTACTS');
    expect(fromEnv.contacts[2]).toEqual({ level: 'dba', ...level('cho', 30), placeholder: false });
  });

  it('names the missing or wrong field, an unreadable file and bad JSON', () => {
    const { cto: _cto, ...noCto } = real;
    expect(() => parseOncall(noCto, 'f')).toThrow(new ValidationError('f: oncall.cto is missing'));
    expect(() => parseOncall({ ...real, dba: { ...real.dba, phone: ' ' } }, 'f')).toThrow(
      'f: oncall.dba.phone must be a non-empty string',
    );
    expect(() =>
      parseOncall({ ...real, primary: { ...real.primary, escalateAfterMinutes: -1 } }, 'f'),
    ).toThrow('f: oncall.primary.escalateAfterMinutes must be a whole number ≥ 0');
    expect(() => parseOncall(undefined, 'f')).toThrow('f: no oncall contacts (values.yaml key oncall)');
    expect(() => loadOncall({}, path.join(dir, 'missing.yaml'))).toThrow(ValidationError);
    expect(() => loadOncall({ ONCALL_CONTACTS: '{' })).toThrow('ONCALL_CONTACTS is not valid JSON');
  });
});
