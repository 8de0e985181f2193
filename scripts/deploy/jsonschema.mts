/**
 * Standalone, strict JSON schemas for kubeconform, one per kind, named the way its schema-location
 * template `{{ .ResourceKind }}{{ .KindSuffix }}.json` expects (deployment-apps-v1.json,
 * servicemonitor-monitoring-v1.json …), so that rendered manifests are validated with no network:
 *
 *   k8s SWAGGER_JSON OUT_DIR   from the Kubernetes OpenAPI v2 spec (api/openapi-spec/swagger.json of
 *                              the k8s.io/kubernetes Go module); check.sh runs this into .tools/
 *   crd OUT_DIR CRD.yaml...    from CustomResourceDefinitions (their openAPIV3Schema); used once to
 *                              write scripts/deploy/schemas/ from the Prometheus Operator's CRDs
 *
 * What openapi2jsonschema does for yannh/kubernetes-json-schema ("standalone-strict"), which
 * kubeconform documents but does not ship: every $ref inlined (a recursive one, only in the CRD
 * JSONSchemaProps type, becomes an open schema); objects that list their properties reject unknown
 * ones; optional Kubernetes fields accept null as the API server does; int-or-string accepts a
 * string or an integer, resource.Quantity a string or a number; apiVersion and kind pinned.
 *
 * Run with Node 24 (it strips the types): node scripts/deploy/jsonschema.mts k8s|crd …
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

type Schema = { [key: string]: unknown };

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
/** Keys that only describe (or only matter to the API server), dropped to keep the schemas small. */
const DROP = new Set([
  'description',
  'format',
  'readOnly',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-group-version-kind',
  'x-kubernetes-unions',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
  'nullable',
]);
const INT_OR_STRING: Schema = { oneOf: [{ type: 'string' }, { type: 'integer' }] };

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

function withNull(schema: Schema): Schema {
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.oneOf)) return { ...schema, oneOf: [...schema.oneOf, { type: 'null' }] };
  return schema;
}

/**
 * The schema with every rule above applied. `resolve` inlines a $ref (or returns undefined for a
 * recursive one); `nullable` says whether an optional property accepts null.
 */
function strict(
  node: unknown,
  resolve: (ref: string, stack: Set<string>) => { name: string; schema: unknown } | undefined,
  nullable: (property: Schema, required: boolean) => boolean,
  stack: Set<string> = new Set(),
): unknown {
  if (Array.isArray(node)) return node.map((n) => strict(n, resolve, nullable, stack));
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string') {
    if (node.$ref.endsWith(`/${QUANTITY}`)) return { oneOf: [{ type: 'string' }, { type: 'number' }] };
    const target = resolve(node.$ref, stack);
    if (!target) return {}; // a recursive type: anything goes below this point
    return strict(target.schema, resolve, nullable, new Set([...stack, target.name]));
  }
  if (node.format === 'int-or-string' || node['x-kubernetes-int-or-string'] === true) return INT_OR_STRING;
  // A map or list the API server keeps as it is: no further checks below it.
  if (node['x-kubernetes-preserve-unknown-fields'] === true && !isObject(node.properties)) return {};
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROP.has(key)) continue;
    if (key === 'properties' && isObject(value)) {
      const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
      const props: Schema = {};
      for (const [name, prop] of Object.entries(value)) {
        const expanded = strict(prop, resolve, nullable, stack) as Schema;
        props[name] = isObject(prop) && nullable(prop, required.has(name)) ? withNull(expanded) : expanded;
      }
      out.properties = props;
    } else out[key] = strict(value, resolve, nullable, stack);
  }
  if (isObject(out.properties) && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

/** kubeconform's KindSuffix: "-" + first label of the group (the version alone for the core group). */
function fileName(group: string, version: string, kind: string): string {
  const suffix = group ? `-${group.split('.')[0].toLowerCase()}-${version}` : `-${version}`;
  return `${kind.toLowerCase()}${suffix}.json`;
}

function pinned(schema: Schema, group: string, version: string, kind: string): Schema {
  const props = (schema.properties ?? {}) as Schema;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...schema,
    properties: {
      ...props,
      apiVersion: { type: 'string', enum: [group ? `${group}/${version}` : version] },
      kind: { type: 'string', enum: [kind] },
    },
  };
}

function fromSwagger(swaggerPath: string, outDir: string): number {
  const definitions = (
    JSON.parse(readFileSync(swaggerPath, 'utf8')) as { definitions: Record<string, Schema> }
  ).definitions;
  const resolve = (ref: string, stack: Set<string>) => {
    const name = ref.split('/').pop()!;
    return stack.has(name) ? undefined : { name, schema: definitions[name] };
  };
  let count = 0;
  for (const [name, definition] of Object.entries(definitions)) {
    const gvks = (definition['x-kubernetes-group-version-kind'] ?? []) as {
      group: string;
      version: string;
      kind: string;
    }[];
    for (const { group, version, kind } of gvks) {
      const schema = strict(definition, resolve, (_p, required) => !required, new Set([name])) as Schema;
      writeFileSync(
        path.join(outDir, fileName(group, version, kind)),
        JSON.stringify(pinned(schema, group, version, kind)),
      );
      count++;
    }
  }
  return count;
}

interface Crd {
  kind: string;
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[];
  };
}

function fromCrds(outDir: string, files: string[]): number {
  let count = 0;
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as Crd | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions.filter((v) => v.served)) {
        // A CRD's schema has no $ref; a field accepts null only where the CRD says `nullable`.
        const schema = strict(
          version.schema.openAPIV3Schema,
          () => undefined,
          (prop) => prop.nullable === true,
        ) as Schema;
        const target = path.join(outDir, fileName(crd.spec.group, version.name, crd.spec.names.kind));
        writeFileSync(
          target,
          JSON.stringify(pinned(schema, crd.spec.group, version.name, crd.spec.names.kind), null, 2) + '\n',
        );
        count++;
      }
    }
  }
  return count;
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'k8s' && args.length === 2) {
  mkdirSync(args[1], { recursive: true });
  console.log(`wrote ${fromSwagger(args[0], args[1])} schemas to ${args[1]}`);
} else if (mode === 'crd' && args.length >= 2) {
  mkdirSync(args[0], { recursive: true });
  console.log(`wrote ${fromCrds(args[0], args.slice(1))} schemas to ${args[0]}`);
} else {
  console.error(
    'usage: node scripts/deploy/jsonschema.mts k8s SWAGGER_JSON OUT_DIR | crd OUT_DIR CRD.yaml...',
  );
  process.exit(2);
}
