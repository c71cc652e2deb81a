/**
 * A CustomResourceDefinition's `openAPIV3Schema` as the JSON Schema kubeconform validates against, the way the API
 * server reads it: `x-kubernetes-int-or-string` takes an integer or a string, `nullable` admits null, and an object
 * that lists its properties accepts no other field unless it says `x-kubernetes-preserve-unknown-fields` (the server
 * would prune them; `kubectl apply` in strict field validation rejects them). CEL rules (`x-kubernetes-validations`)
 * are not checked: that needs an API server.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

/** Keywords whose value is data, not a schema: copied as they are. */
const DATA_KEYWORDS = new Set(['default', 'enum', 'example', 'required', 'x-kubernetes-validations', 'x-kubernetes-list-map-keys']);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

export function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description') continue; // the bulk of a CRD; never checked
    if (DATA_KEYWORDS.has(key)) out[key] = value;
    else if (SCHEMA_MAPS.has(key) && isObject(value)) out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, toJsonSchema(s)]));
    else out[key] = toJsonSchema(value);
  }
  if (out['x-kubernetes-int-or-string'] === true && !out.anyOf && !out.oneOf) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (isObject(out.properties) && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

export interface CrdVersionSchema {
  group: string;
  /** Lower-case kind, as kubeconform's `{{.ResourceKind}}`. */
  kind: string;
  version: string;
  schema: Json;
}

interface Crd {
  kind?: string;
  spec?: { group?: string; names?: { kind?: string }; versions?: Array<{ name?: string; schema?: { openAPIV3Schema?: Json } }> };
}

/** One JSON Schema per served version of a CRD document. */
export function crdSchemas(doc: unknown): CrdVersionSchema[] {
  const crd = doc as Crd;
  if (crd?.kind !== 'CustomResourceDefinition') return [];
  const { group, names, versions = [] } = crd.spec ?? {};
  if (!group || !names?.kind) throw new Error('a CustomResourceDefinition without spec.group or spec.names.kind');
  return versions.map((v) => {
    if (!v.name || !v.schema?.openAPIV3Schema) throw new Error(`${names.kind}: version ${v.name ?? '?'} has no openAPIV3Schema`);
    return { group, kind: names.kind!.toLowerCase(), version: v.name, schema: toJsonSchema(v.schema.openAPIV3Schema) };
  });
}
