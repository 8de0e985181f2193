#!/usr/bin/env python3
"""Turn the Kubernetes OpenAPI v2 spec (api/openapi-spec/swagger.json of the k8s.io/kubernetes
Go module) into one standalone, strict JSON schema per kind, named the way kubeconform's
schema-location template `{{ .ResourceKind }}{{ .KindSuffix }}.json` expects
(deployment-apps-v1.json, service-v1.json, horizontalpodautoscaler-autoscaling-v2.json ...).

This mirrors what openapi2jsonschema does for yannh/kubernetes-json-schema ("standalone-strict"),
so that kubeconform can validate rendered manifests with no network access:
  * every $ref is inlined (recursive references, only found in the CRD JSONSchemaProps type,
    become an open schema);
  * objects that list their properties reject unknown ones (additionalProperties: false);
  * optional fields accept null, as the API server does;
  * int-or-string accepts a string or an integer, resource.Quantity a string or a number;
  * apiVersion and kind are pinned to the kind's own values.

Usage: k8s-jsonschema.py SWAGGER_JSON OUT_DIR
"""
import json
import os
import sys

QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity'
INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString'
DROP = {'description', 'format', 'x-kubernetes-patch-strategy', 'x-kubernetes-patch-merge-key',
        'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type',
        'x-kubernetes-group-version-kind', 'x-kubernetes-unions', 'readOnly'}


def main(swagger_path, out_dir):
    with open(swagger_path, encoding='utf-8') as f:
        definitions = json.load(f)['definitions']

    def nullable(schema):
        t = schema.get('type')
        if isinstance(t, str):
            schema = dict(schema, type=[t, 'null'])
        elif 'oneOf' in schema:
            schema = dict(schema, oneOf=schema['oneOf'] + [{'type': 'null'}])
        return schema

    def expand(node, stack):
        if isinstance(node, list):
            return [expand(n, stack) for n in node]
        if not isinstance(node, dict):
            return node
        if '$ref' in node:
            name = node['$ref'].split('/')[-1]
            if name == QUANTITY:
                return {'oneOf': [{'type': 'string'}, {'type': 'number'}]}
            if name in stack:  # recursive type: accept anything below this point
                return {}
            return expand(definitions[name], stack | {name})
        if node.get('format') == 'int-or-string':
            return {'oneOf': [{'type': 'string'}, {'type': 'integer'}]}
        out = {}
        for key, value in node.items():
            if key in DROP:
                continue
            if key == 'properties':
                required = set(node.get('required', []))
                out[key] = {}
                for prop, schema in value.items():
                    expanded = expand(schema, stack)
                    out[key][prop] = expanded if prop in required else nullable(expanded)
            else:
                out[key] = expand(value, stack)
        if 'properties' in out and 'additionalProperties' not in out:
            out['additionalProperties'] = False
        return out

    os.makedirs(out_dir, exist_ok=True)
    count = 0
    for name, definition in definitions.items():
        for gvk in definition.get('x-kubernetes-group-version-kind', []):
            group, version, kind = gvk['group'], gvk['version'], gvk['kind']
            api_version = f'{group}/{version}' if group else version
            schema = expand(definition, {name})
            props = schema.setdefault('properties', {})
            props['apiVersion'] = {'type': 'string', 'enum': [api_version]}
            props['kind'] = {'type': 'string', 'enum': [kind]}
            schema['$schema'] = 'http://json-schema.org/draft-07/schema#'
            # kubeconform's KindSuffix: "-" + first label of the group (or the version for the
            # core group) + "-" + version
            suffix = f'-{group.split(".")[0].lower()}-{version}' if group else f'-{version}'
            path = os.path.join(out_dir, f'{kind.lower()}{suffix}.json')
            with open(path, 'w', encoding='utf-8') as f:
                json.dump(schema, f, separators=(',', ':'))
            count += 1
    print(f'wrote {count} schemas to {out_dir}')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
