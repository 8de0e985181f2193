/** A new account as the rest of the system hears of it. */
export interface CreatedAccount {
  id: string;
  email: string;
  name: string;
  timeZone: string;
}

/**
 * Told about every account registration (the API binds it to create the primary calendar), so
 * identity depends on no lib above it. Optional: the ops CLI registers no one.
 */
export abstract class AccountLifecycle {
  abstract accountCreated(account: CreatedAccount): Promise<void>;
}
