import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';

type Schema = { $ref?: string; example?: unknown; examples?: unknown; [k: string]: unknown };
type Operation = {
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
  requestBody?: { content?: Record<string, { schema?: Schema; example?: unknown; examples?: unknown }> };
  parameters?: { in: string; name: string }[];
};
interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * Swagger is the API's reference for people and agents: every route is in it, says what it answers
 * on success, and every JSON body it takes comes with an example to start from.
 */
describe('OpenAPI document (/docs-json)', () => {
  let api: TestApi;
  let doc: OpenApiDoc;

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    const res = await api.request<OpenApiDoc>('/docs-json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(() => api?.close());

  const resolve = (s: Schema | undefined): Schema | undefined =>
    s?.$ref ? doc.components.schemas[s.$ref.replace('#/components/schemas/', '')] : s;
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([m]) => METHODS.includes(m))
        .map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );

  it('documents a success response for every route', () => {
    const undocumented = operations()
      .filter(({ op }) => !Object.keys(op.responses ?? {}).some((status) => /^[23]\d\d$/.test(status)))
      .map(({ route }) => route);
    expect(operations().length).toBeGreaterThan(40);
    expect({ undocumented }).toEqual({ undocumented: [] });
  });

  it('gives every JSON request body an example', () => {
    const withoutExample = operations()
      .filter(({ op }) => {
        const json = op.requestBody?.content?.['application/json'];
        if (!json) return false;
        const schema = resolve(json.schema);
        return !(json.example ?? json.examples ?? schema?.example ?? schema?.examples);
      })
      .map(({ route }) => route);
    expect({ withoutExample }).toEqual({ withoutExample: [] });
  });

  it('documents the calendar and sharing routes with their refusals', () => {
    for (const route of [
      'GET /v1/calendars',
      'POST /v1/calendars',
      'GET /v1/calendars/{id}',
      'PATCH /v1/calendars/{id}',
      'DELETE /v1/calendars/{id}',
      'GET /v1/calendars/{id}/acl',
      'POST /v1/calendars/{id}/acl',
      'PATCH /v1/calendars/{id}/acl/{ruleId}',
      'DELETE /v1/calendars/{id}/acl/{ruleId}',
    ]) {
      const found = operations().find((o) => o.route === route);
      expect({ route, found: Boolean(found) }).toEqual({ route, found: true });
      if (route.includes('{id}'))
        expect({ route, statuses: Object.keys(found?.op.responses ?? {}) }).toEqual({
          route,
          statuses: expect.arrayContaining(['404']),
        });
    }
  });
});
