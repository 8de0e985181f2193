import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ValidationError } from '@app/common';
import { parse } from 'yaml';

/** The escalation path, in the order the levels are called in (values.yaml `oncall.*`). */
export const ONCALL_LEVELS = ['primary', 'secondary', 'dba', 'architect', 'cto'] as const;
export type OncallLevel = (typeof ONCALL_LEVELS)[number];

export interface OncallContact {
  level: OncallLevel;
  name: string;
  pager: string;
  chat: string;
  phone: string;
  escalateAfterMinutes: number;
  /** The chart's default, not a real contact: replace it in the deployment's values. */
  placeholder: boolean;
}

/** Where the contacts are read from: the pod's ONCALL_CONTACTS, else a chart values file. */
export const DEFAULT_VALUES_FILE = 'charts/calendar-assistant/values.yaml';

/** The contacts of a values.yaml `oncall` object (or the ONCALL_CONTACTS JSON of the same shape). */
export function parseOncall(oncall: unknown, source: string): OncallContact[] {
  if (!oncall || typeof oncall !== 'object')
    throw new ValidationError(`${source}: no oncall contacts (values.yaml key oncall)`);
  const levels = oncall as Record<string, unknown>;
  return ONCALL_LEVELS.map((level) => {
    const raw = levels[level] as Record<string, unknown> | undefined;
    if (!raw || typeof raw !== 'object') throw new ValidationError(`${source}: oncall.${level} is missing`);
    const text = (key: string): string => {
      const value = raw[key];
      if (typeof value !== 'string' || !value.trim())
        throw new ValidationError(`${source}: oncall.${level}.${key} must be a non-empty string`);
      return value;
    };
    const after = raw.escalateAfterMinutes;
    if (typeof after !== 'number' || !Number.isInteger(after) || after < 0)
      throw new ValidationError(`${source}: oncall.${level}.escalateAfterMinutes must be a whole number ≥ 0`);
    const contact = {
      level,
      name: text('name'),
      pager: text('pager'),
      chat: text('chat'),
      phone: text('phone'),
      escalateAfterMinutes: after,
    };
    const placeholder =
      /PLACEHOLDER/i.test(`${contact.name} ${contact.pager}`) || /^\+0[0 ]*$/.test(contact.phone);
    return { ...contact, placeholder };
  });
}

/**
 * The on-call contacts: from ONCALL_CONTACTS (the chart puts oncall.* there for the pods) unless a
 * values file is named, else from the chart's values.yaml in the working directory.
 */
export function loadOncall(
  env: NodeJS.ProcessEnv,
  valuesFile?: string,
): { source: string; contacts: OncallContact[] } {
  if (!valuesFile && env.ONCALL_CONTACTS) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.ONCALL_CONTACTS);
    } catch {
      throw new ValidationError('ONCALL_CONTACTS is not valid JSON');
    }
    return { source: 'ONCALL_CONTACTS', contacts: parseOncall(parsed, 'ONCALL_CONTACTS') };
  }
  const file = path.resolve(valuesFile ?? DEFAULT_VALUES_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ValidationError(`cannot read ${file}: name a chart values file with --values FILE`);
  }
  const values = parse(text) as { oncall?: unknown } | null;
  return { source: file, contacts: parseOncall(values?.oncall, file) };
}
