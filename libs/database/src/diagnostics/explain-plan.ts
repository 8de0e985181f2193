/** What an explain says about one query, on MongoDB (classic or SBE plans) or FerretDB (SQLite plans). */
export interface PlanSummary {
  /** COLLSCAN: every document read; IXSCAN: an index; EOF: the collection does not exist. */
  access: 'COLLSCAN' | 'IXSCAN' | 'EOF' | 'unknown';
  index: string | null;
  /** Documents the server read (null when the server does not report it). */
  docsExamined: number | null;
  keysExamined: number | null;
  returned: number | null;
  executionTimeMs: number | null;
  /** The server's plan, shortened: stage names (MongoDB) or SQLite plan lines (FerretDB). */
  plan: string[];
}

const INDEX_STAGES = new Set([
  'IXSCAN',
  'EXPRESS_IXSCAN',
  'IDHACK',
  'EXPRESS_IDHACK',
  'COUNT_SCAN',
  'DISTINCT_SCAN',
  'EXPRESS_CLUSTERED_IXSCAN',
]);

export function summarizeExplain(explain: Record<string, unknown>): PlanSummary {
  const planner = (explain.queryPlanner ?? {}) as Record<string, unknown>;
  // FerretDB: `queryPlanner.Plan` is SQLite's EXPLAIN QUERY PLAN output; no execution statistics.
  if (Array.isArray(planner.Plan)) {
    const lines = (planner.Plan as unknown[]).map(String);
    const index = lines.map((l) => /USING (?:COVERING )?INDEX (\S+)/.exec(l)?.[1]).find(Boolean) ?? null;
    const pk = lines.some((l) => /USING (?:INTEGER )?PRIMARY KEY/.test(l));
    const scan = lines.some((l) => /\bSCAN\b/.test(l));
    return {
      access: index || pk ? 'IXSCAN' : scan ? 'COLLSCAN' : 'unknown',
      index: index ?? (pk ? '_id_' : null),
      docsExamined: null,
      keysExamined: null,
      returned: null,
      executionTimeMs: null,
      plan: lines.map((l) => l.replace(/^id=\d+ parent=\d+ notused=\d+ detail=/, '')),
    };
  }
  if (Object.keys(planner).length === 0) {
    return {
      access: 'EOF',
      index: null,
      docsExamined: 0,
      keysExamined: 0,
      returned: 0,
      executionTimeMs: null,
      plan: [],
    };
  }
  const winning = (planner.winningPlan ?? {}) as Record<string, unknown>;
  const stages: { stage: string; indexName?: string }[] = [];
  collectStages((winning.queryPlan as Record<string, unknown>) ?? winning, stages);
  const ix = stages.find((s) => INDEX_STAGES.has(s.stage));
  const coll = stages.some((s) => s.stage === 'COLLSCAN');
  const eof = stages.length > 0 && stages.every((s) => s.stage === 'EOF');
  const stats = (explain.executionStats ?? {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    access: coll ? 'COLLSCAN' : ix ? 'IXSCAN' : eof ? 'EOF' : 'unknown',
    index: ix ? (ix.indexName ?? (ix.stage.includes('IDHACK') ? '_id_' : null)) : null,
    docsExamined: n(stats.totalDocsExamined),
    keysExamined: n(stats.totalKeysExamined),
    returned: n(stats.nReturned),
    executionTimeMs: n(stats.executionTimeMillis),
    plan: stages.map((s) => (s.indexName ? `${s.stage} ${s.indexName}` : s.stage)),
  };
}

function collectStages(
  node: Record<string, unknown> | undefined,
  out: { stage: string; indexName?: string }[],
): void {
  if (!node || typeof node !== 'object') return;
  if (typeof node.stage === 'string') {
    out.push({
      stage: node.stage,
      ...(typeof node.indexName === 'string' ? { indexName: node.indexName } : {}),
    });
  }
  if (node.inputStage) collectStages(node.inputStage as Record<string, unknown>, out);
  if (Array.isArray(node.inputStages))
    for (const s of node.inputStages) collectStages(s as Record<string, unknown>, out);
}
