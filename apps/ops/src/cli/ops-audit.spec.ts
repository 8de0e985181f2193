import { CommandRunner } from 'nest-commander';

interface Flags {
  add?: string[];
}

describe('@AuditedAction', () => {
  it('marks the run as audited only when its condition holds on the parsed flags, and still runs the command', async () => {
    await jest.isolateModulesAsync(async () => {
      const { AuditedAction, auditedRun } = await import('./ops-audit');
      const calls: [string[], Flags][] = [];

      @AuditedAction<Flags>({ when: (f) => !!f.add?.length, findingExit: true })
      class ChangesWithAdd extends CommandRunner {
        async run(args: string[], flags: Flags): Promise<void> {
          calls.push([args, flags]);
        }
      }

      const command = new ChangesWithAdd();
      await command.run([], {});
      expect(auditedRun()).toBeNull();
      await command.run(['x'], { add: ['203.0.113.7'] });
      expect(auditedRun()).toMatchObject({ findingExit: true });
      expect(calls).toEqual([
        [[], {}],
        [['x'], { add: ['203.0.113.7'] }],
      ]);
    });
  });

  it('audits every run of a command without a condition, through an inherited run()', async () => {
    await jest.isolateModulesAsync(async () => {
      const { AuditedAction, auditedRun } = await import('./ops-audit');
      let ran = 0;
      abstract class Base extends CommandRunner {
        async run(): Promise<void> {
          ran++;
        }
      }
      @AuditedAction()
      class Audited extends Base {}
      class NotAudited extends Base {}

      await new NotAudited().run();
      expect(auditedRun()).toBeNull();
      await new Audited().run();
      expect(auditedRun()).toEqual({});
      expect(ran).toBe(2);
    });
  });
});
