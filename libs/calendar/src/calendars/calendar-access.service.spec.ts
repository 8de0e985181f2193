import { ForbiddenError, NotFoundError } from '@app/common';
import { CacheService } from '@app/cache';
import { AppConfig } from '@app/config';
import { Types } from 'mongoose';
import { AclMatch, AclRepository } from './acl.repository';
import { CalendarAccessService } from './calendar-access.service';
import { Caller, CalendarRole } from './calendar-role';
import { CalendarOwnership, CalendarRepository } from './calendar.repository';

const id = () => new Types.ObjectId().toHexString();
const caller = (email: string): Caller => ({ id: id(), email, timeZone: 'UTC' });

/** A fake that answers only what the test set up, and fails on any other call. */
function strict<T extends object>(impl: Partial<T>): T {
  return new Proxy(impl as T, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof T];
      if (prop === 'then') return undefined;
      throw new Error(`unexpected call: ${String(prop)}`);
    },
  });
}

describe('CalendarAccessService.roleOn: the one permission check', () => {
  function service(opts: {
    calendars?: Record<string, CalendarOwnership>;
    rules?: Record<string, { role: CalendarRole; granteeId?: string | null }>;
    orgDomains?: string;
  }) {
    const setGrantee = jest.fn(async () => undefined);
    const calendars = strict<CalendarRepository>({
      findOwnership: async (cid: string) => opts.calendars?.[cid] ?? null,
    });
    const acl = strict<AclRepository>({
      find: async (cid: string, email: string) => {
        const rule = opts.rules?.[`${cid}|${email}`];
        return rule
          ? ({
              _id: new Types.ObjectId(),
              calendarId: new Types.ObjectId(cid),
              role: rule.role,
              granteeId: rule.granteeId === undefined ? new Types.ObjectId() : rule.granteeId,
            } as AclMatch)
          : null;
      },
      setGrantee,
    });
    const config = { orgDomains: (opts.orgDomains ?? '').split(',').filter(Boolean) } as unknown as AppConfig;
    return {
      access: new CalendarAccessService(calendars, acl, strict<CacheService>({}), config),
      setGrantee,
    };
  }
  const primaryOf = (owner: Caller): CalendarOwnership =>
    ({
      _id: new Types.ObjectId(owner.id),
      ownerId: new Types.ObjectId(owner.id),
      ownerEmail: owner.email,
      primary: true,
    }) as CalendarOwnership;

  it('answers owner for the caller’s own primary, by id or as `primary`, with no query', async () => {
    const ada = caller('ada@example.com');
    const { access } = service({});
    for (const cid of ['primary', ada.id])
      expect(await access.roleOn(ada, cid)).toEqual({ calendarId: ada.id, ownerId: ada.id, role: 'owner' });
  });

  it('answers null (a 404) for a malformed id, a missing calendar, and a calendar with no rule', async () => {
    const ada = caller('ada@example.com');
    const bob = caller('bob@example.com');
    const { access } = service({ calendars: { [bob.id]: primaryOf(bob) } });
    expect(await access.roleOn(ada, 'not-an-id')).toBeNull();
    expect(await access.roleOn(ada, id())).toBeNull();
    expect(await access.roleOn(ada, bob.id)).toBeNull();
    await expect(access.require(ada, bob.id, 'freeBusyReader')).rejects.toThrow(NotFoundError);
  });

  it('gives the rule’s role, looked up by the lower-cased address, and records the account of a rule made before it', async () => {
    const ada = caller('Ada@Example.com');
    const bob = caller('bob@example.com');
    const { access, setGrantee } = service({
      calendars: { [bob.id]: primaryOf(bob) },
      rules: { [`${bob.id}|ada@example.com`]: { role: 'reader', granteeId: null } },
    });
    expect(await access.roleOn(ada, bob.id)).toEqual({ calendarId: bob.id, ownerId: bob.id, role: 'reader' });
    expect(setGrantee).toHaveBeenCalledWith('ada@example.com', ada.id);
    await expect(access.require(ada, bob.id, 'writer')).rejects.toThrow(
      new ForbiddenError('This needs the writer role on the calendar (or higher); you have reader.'),
    );
  });

  it('ORG_DOMAINS: freeBusyReader on a colleague’s primary only, both addresses in the domains; a rule can raise it', async () => {
    const ada = caller('ada@org.example');
    const bob = caller('bob@org.example');
    const eve = caller('eve@elsewhere.example');
    const sub = caller('sub@eu.org.example');
    const secondary = id();
    const { access } = service({
      orgDomains: 'org.example',
      calendars: {
        [bob.id]: primaryOf(bob),
        [eve.id]: primaryOf(eve),
        [secondary]: { ...primaryOf(bob), _id: new Types.ObjectId(secondary), primary: false },
      },
      rules: { [`${bob.id}|sub@eu.org.example`]: { role: 'writer' } },
    });
    expect((await access.roleOn(ada, bob.id))?.role).toBe('freeBusyReader');
    expect(await access.roleOn(ada, secondary)).toBeNull();
    expect(await access.roleOn(ada, eve.id)).toBeNull();
    expect(await access.roleOn(eve, bob.id)).toBeNull();
    // A subdomain is not the domain; its rule still counts.
    expect((await access.roleOn(sub, bob.id))?.role).toBe('writer');
  });
});
