import * as argon2 from '@node-rs/argon2';
import { PasswordService } from './password.service';

jest.mock('@node-rs/argon2', () => {
  const actual = jest.requireActual('@node-rs/argon2');
  return { ...actual, verify: jest.fn(actual.verify) };
});

describe('PasswordService', () => {
  const passwords = new PasswordService();
  const verify = argon2.verify as jest.MockedFunction<typeof argon2.verify>;

  beforeEach(() => verify.mockClear());

  it('hashes with argon2id at m=19456, t=2, p=1 and a fresh salt each time', async () => {
    const a = await passwords.hash('correct horse battery staple');
    const b = await passwords.hash('correct horse battery staple');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
  });

  it('verifies the right password only', async () => {
    const stored = await passwords.hash('correct horse battery staple');
    await expect(passwords.verify(stored, 'correct horse battery staple')).resolves.toBe(true);
    await expect(passwords.verify(stored, 'Correct horse battery staple')).resolves.toBe(false);
  });

  it('answers false for a corrupt stored hash instead of throwing', async () => {
    await expect(passwords.verify('not-a-phc-string', 'whatever1')).resolves.toBe(false);
  });

  it('still runs a full argon2id verification when there is no account, so timing does not tell', async () => {
    await expect(passwords.verify(null, 'correct horse battery staple')).resolves.toBe(false);
    expect(verify).toHaveBeenCalledTimes(1);
    const [dummyHash, password] = verify.mock.calls[0];
    expect(String(dummyHash)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(password).toBe('correct horse battery staple');
  });
});
