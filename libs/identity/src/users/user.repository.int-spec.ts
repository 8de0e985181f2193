import { Model, Types } from 'mongoose';
import { indexKeys, intConnection } from '../../../../test/support/int-mongo';
import { AuthUserCache } from '../auth/auth-user.cache';
import { UserRepository } from './user.repository';
import { UserDoc, UserSchema } from './user.schema';
import { NewUser } from './user.types';

describe('UserRepository on FerretDB', () => {
  let db: Awaited<ReturnType<typeof intConnection>>;
  let model: Model<UserDoc>;
  let repo: UserRepository;
  const user = (email: string, name = 'Someone'): NewUser => ({
    email,
    passwordHash: `$argon2id$hash-of-${email}`,
    name,
    timeZone: 'Europe/Berlin',
    workingHours: { days: [1, 2, 3], start: '08:00', end: '16:00' },
  });

  beforeAll(async () => {
    db = await intConnection();
    model = db.connection.model<UserDoc>(UserDoc.name, UserSchema);
    repo = new UserRepository(model, new AuthUserCache());
    await repo.onModuleInit();
  });
  afterAll(() => db?.close());

  it('creates the unique email index', async () => {
    expect(await indexKeys(model)).toEqual(expect.arrayContaining([{ email: 1 }]));
    const indexes = await model.collection.listIndexes().toArray();
    expect(indexes.find((i) => i.key.email === 1)?.unique).toBe(true);
  });

  it('registers an email once: a second account with it is refused and the first is unchanged', async () => {
    const first = await repo.insert(user('dup@example.com', 'First'));
    expect(first).toMatchObject({ email: 'dup@example.com', name: 'First', role: 'user', sessionEpoch: 0 });
    expect(first).not.toHaveProperty('passwordHash');
    expect(await repo.insert(user('dup@example.com', 'Second'))).toBeNull();
    expect(await repo.emailExists('dup@example.com')).toBe(true);
    expect(await repo.emailExists('nobody@example.com')).toBe(false);
    expect(await model.countDocuments({ email: 'dup@example.com' })).toBe(1);
    expect(await repo.findProfile(first!.id)).toMatchObject({ name: 'First' });
  });

  it('finds people by email with their zone and working hours, never a hash; unknown addresses are absent', async () => {
    const a = (await repo.insert(user('people-a@example.com', 'Ann')))!;
    await repo.insert(user('people-b@example.com', 'Ben'));
    const found = await repo.findPeopleByEmails(['people-a@example.com', 'nobody@example.com']);
    expect(found).toEqual([
      {
        id: a.id,
        email: 'people-a@example.com',
        name: 'Ann',
        timeZone: 'Europe/Berlin',
        workingHours: { days: [1, 2, 3], start: '08:00', end: '16:00' },
      },
    ]);
    expect(await repo.findPeopleByEmails([])).toEqual([]);
  });

  it('gives the password hash only to the login and password-change reads', async () => {
    const acc = (await repo.insert(user('login@example.com')))!;
    expect(await repo.findCredentialsByEmail('login@example.com')).toMatchObject({
      id: acc.id,
      passwordHash: '$argon2id$hash-of-login@example.com',
    });
    expect(await repo.findCredentialsByEmail('other@example.com')).toBeNull();
    expect(await repo.findPasswordHash(acc.id)).toBe('$argon2id$hash-of-login@example.com');
    for (const view of [
      await repo.findProfile(acc.id),
      await repo.findAccount(acc.id),
      (await repo.findAuthUser(acc.id))?.user,
    ]) {
      expect(view).toMatchObject({ id: acc.id, email: 'login@example.com', timeZone: 'Europe/Berlin' });
      expect(view).not.toHaveProperty('passwordHash');
    }
  });

  it('finds no account for an unknown or malformed id', async () => {
    const unknown = new Types.ObjectId().toHexString();
    for (const id of [unknown, 'not-an-id']) {
      expect(await repo.findAuthUser(id)).toBeNull();
      expect(await repo.findAccount(id)).toBeNull();
      expect(await repo.findProfile(id)).toBeNull();
      expect(await repo.findPasswordHash(id)).toBeNull();
      expect(await repo.updateProfile(id, { name: 'x' })).toBeNull();
      expect(await repo.changePassword(id, 'h')).toBeNull();
    }
  });

  it("changes only that account's profile, and the next authenticated read sees the change", async () => {
    const a = (await repo.insert(user('a@example.com', 'A')))!;
    const b = (await repo.insert(user('b@example.com', 'B')))!;
    expect((await repo.findAuthUser(a.id))?.user.timeZone).toBe('Europe/Berlin'); // now remembered
    const updated = await repo.updateProfile(a.id, {
      timeZone: 'Asia/Tokyo',
      workingHours: { days: [6, 7], start: '10:00', end: '14:00' },
    });
    expect(updated).toMatchObject({ name: 'A', timeZone: 'Asia/Tokyo', workingHours: { days: [6, 7] } });
    expect(updated).not.toHaveProperty('passwordHash');
    expect((await repo.findAuthUser(a.id))?.user).toMatchObject({ timeZone: 'Asia/Tokyo' });
    expect(await repo.findProfile(b.id)).toMatchObject({ name: 'B', timeZone: 'Europe/Berlin' });
  });

  it('moves the session epoch on at a password change and a logout, for that account only', async () => {
    const a = (await repo.insert(user('epoch-a@example.com')))!;
    const b = (await repo.insert(user('epoch-b@example.com')))!;
    expect((await repo.findAuthUser(a.id))?.sessionEpoch).toBe(0);

    const changed = await repo.changePassword(a.id, '$argon2id$new');
    expect(changed).toMatchObject({ id: a.id, sessionEpoch: 1 });
    expect(await repo.findPasswordHash(a.id)).toBe('$argon2id$new');
    expect((await repo.findAuthUser(a.id))?.sessionEpoch).toBe(1);

    await repo.endSessions(a.id);
    expect((await repo.findAuthUser(a.id))?.sessionEpoch).toBe(2);
    expect((await repo.findAccount(a.id))?.sessionEpoch).toBe(2);
    expect((await repo.findAccount(b.id))?.sessionEpoch).toBe(0);
    expect(await repo.findPasswordHash(b.id)).toBe('$argon2id$hash-of-epoch-b@example.com');
  });

  it('grants and revokes admin by email and lists the admins oldest first', async () => {
    const first = (await repo.insert(user('admin1@example.com')))!;
    const second = (await repo.insert(user('admin2@example.com')))!;
    expect((await repo.findAuthUser(second.id))?.user.role).toBe('user'); // now remembered

    expect(await repo.setRoleByEmail('admin2@example.com', 'admin')).toEqual({
      id: second.id,
      email: 'admin2@example.com',
      role: 'admin',
      changed: true,
    });
    expect(await repo.setRoleByEmail('admin1@example.com', 'admin')).toMatchObject({ changed: true });
    expect(await repo.setRoleByEmail('admin1@example.com', 'admin')).toMatchObject({ changed: false });
    expect(await repo.setRoleByEmail('missing@example.com', 'admin')).toBeNull();
    expect((await repo.findAuthUser(second.id))?.user.role).toBe('admin');

    // Oldest first by creation time, not by insertion order (the raw driver, as createdAt is immutable).
    await model.collection.updateOne(
      { _id: new Types.ObjectId(second.id) },
      { $set: { createdAt: new Date('2020-01-01T00:00:00Z') } },
    );
    expect((await repo.listAdmins()).map((u) => u.id)).toEqual([second.id, first.id]);
    expect(await repo.setRoleByEmail('admin1@example.com', 'user')).toMatchObject({ changed: true });
    expect((await repo.listAdmins()).map((u) => u.email)).toEqual(['admin2@example.com']);
  });
});
