import { summarizeExplain } from './explain-plan';

describe('summarizeExplain', () => {
  it('reads a MongoDB index scan with execution statistics', () => {
    const s = summarizeExplain({
      queryPlanner: {
        winningPlan: {
          stage: 'FETCH',
          inputStage: { stage: 'IXSCAN', indexName: 'ownerId_1_deletedAt_1_rangeStart_1' },
        },
      },
      executionStats: { nReturned: 3, totalDocsExamined: 4, totalKeysExamined: 4, executionTimeMillis: 1 },
    });
    expect(s).toMatchObject({
      access: 'IXSCAN',
      index: 'ownerId_1_deletedAt_1_rangeStart_1',
      docsExamined: 4,
      returned: 3,
      plan: ['FETCH', 'IXSCAN ownerId_1_deletedAt_1_rangeStart_1'],
    });
  });

  it('reads a MongoDB collection scan, an SBE plan and an $or of index scans', () => {
    expect(summarizeExplain({ queryPlanner: { winningPlan: { stage: 'COLLSCAN' } } }).access).toBe(
      'COLLSCAN',
    );
    expect(
      summarizeExplain({
        queryPlanner: {
          winningPlan: {
            queryPlan: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'email_1' } },
          },
        },
      }).index,
    ).toBe('email_1');
    expect(
      summarizeExplain({
        queryPlanner: {
          winningPlan: {
            stage: 'SUBPLAN',
            inputStage: {
              stage: 'OR',
              inputStages: [{ stage: 'IXSCAN', indexName: 'a_1' }, { stage: 'COLLSCAN' }],
            },
          },
        },
      }).access,
    ).toBe('COLLSCAN');
    expect(
      summarizeExplain({
        queryPlanner: { winningPlan: { stage: 'EXPRESS_IXSCAN', indexName: 'tokenHash_1' } },
      }),
    ).toMatchObject({
      access: 'IXSCAN',
      index: 'tokenHash_1',
    });
  });

  it("reads FerretDB's SQLite plans", () => {
    expect(
      summarizeExplain({ queryPlanner: { Plan: ['id=2 parent=0 notused=0 detail=SCAN events_12d8e384'] } }),
    ).toMatchObject({ access: 'COLLSCAN', index: null, docsExamined: null, plan: ['SCAN events_12d8e384'] });
    expect(
      summarizeExplain({
        queryPlanner: {
          Plan: ['id=3 parent=0 notused=0 detail=SEARCH users USING INDEX users_email (email=?)'],
        },
      }),
    ).toMatchObject({ access: 'IXSCAN', index: 'users_email' });
    expect(summarizeExplain({ queryPlanner: {} }).access).toBe('EOF');
  });
});
