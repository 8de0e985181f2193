import { Injectable, OnModuleInit } from '@nestjs/common';
import { Algorithm, hash, Options, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

/** argon2id at the OWASP baseline: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_OPTIONS: Options = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

/** Password hashing with argon2id (work runs on libuv threads, off the event loop). */
@Injectable()
export class PasswordService implements OnModuleInit {
  private dummyHash?: Promise<string>;

  onModuleInit(): void {
    void this.dummy();
  }

  hash(password: string): Promise<string> {
    return hash(password, ARGON2_OPTIONS);
  }

  /**
   * Whether `password` matches `passwordHash`. Without a hash (no such account) it verifies against
   * a dummy hash with the same parameters and answers false, so the response time does not reveal
   * whether the account exists.
   */
  async verify(passwordHash: string | null, password: string): Promise<boolean> {
    if (passwordHash === null) {
      await verify(await this.dummy(), password).catch(() => false);
      return false;
    }
    return verify(passwordHash, password).catch(() => false);
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hash(randomBytes(32).toString('base64url'), ARGON2_OPTIONS);
    return this.dummyHash;
  }
}
