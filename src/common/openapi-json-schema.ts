import { isDeepStrictEqual } from 'node:util';
import type { OpenAPIObject } from '@nestjs/swagger';

type Schema = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];
type Json = Readonly<Record<string, unknown>>;

/**
 * Keywords of JSON Schema 2020-12 that OpenAPI 3.0's schema dialect lacks and that only narrow
 * what is valid: left out of the OpenAPI copy, so it accepts a little more than the published
 * JSON Schema (which stays the reference, and is what the service validates with).
 */
const NARROWING_ONLY = new Set(['if', 'then', 'else', 'propertyNames', '$comment']);
const DOCUMENT_ONLY = new Set(['$schema', '$id', '$defs']);

/**
 * A published JSON Schema (draft 2020-12, local `#/$defs/…` references) as OpenAPI 3.0 component
 * schemas, so an operation can reference the one definition instead of restating it: the root
 * becomes `name`, each definition `name` + its capitalised key. `type: [t, "null"]` becomes
 * `nullable`, `const` a one-value `enum`, a numeric `exclusiveMinimum` OpenAPI's boolean form.
 * With `reuse` (the components of a sibling schema), a definition that comes out the same as the
 * sibling's is not repeated: its references point at the sibling's component.
 */
export function openApiComponents(
  schema: Json,
  name: string,
  reuse?: { name: string; components: Record<string, Schema> },
): Record<string, Schema> {
  const defs = (schema.$defs ?? {}) as Record<string, Json>;
  const named = (prefix: string, def: string) =>
    `${prefix}${def.charAt(0).toUpperCase()}${def.slice(1)}`;
  const theirs = (def: string) => (reuse ? reuse.components[named(reuse.name, def)] : undefined);
  // Assume every definition the sibling has is the same, then drop those that are not, until
  // none is dropped (a definition that differs makes those that reference it differ).
  const shared = new Set(Object.keys(defs).filter((def) => theirs(def) !== undefined));
  for (;;) {
    const componentOf = (def: string) => named(shared.has(def) ? reuse!.name : name, def);
    const convert = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(convert);
      if (typeof node !== 'object' || node === null) return node;
      return convertObject(node as Json, componentOf, convert);
    };
    const converted = Object.entries(defs).map(([def, d]) => [def, convert(d)] as const);
    const differ = converted.filter(
      ([def, c]) => shared.has(def) && !isDeepStrictEqual(c, theirs(def)),
    );
    differ.forEach(([def]) => shared.delete(def));
    if (differ.length > 0) continue;
    const components: Record<string, Schema> = { [name]: convert(schema) as Schema };
    for (const [def, c] of converted) {
      if (!shared.has(def)) components[componentOf(def)] = c as Schema;
    }
    return components;
  }
}

function convertObject(
  node: Json,
  componentOf: (def: string) => string,
  convert: (node: unknown) => unknown,
): Json {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (NARROWING_ONLY.has(key) || DOCUMENT_ONLY.has(key)) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Json).map(([p, s]) => [p, convert(s)]),
      );
    } else if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((t) => t !== 'null');
      if (types.length !== 1) throw new Error(`no OpenAPI 3.0 form for type ${value.join('|')}`);
      out.type = types[0];
      if (types.length < value.length) out.nullable = true;
    } else if (key === 'const') {
      out.enum = [value];
      out.type ??= constType(value);
    } else if (key === 'allOf') {
      // Members left empty (they held only narrowing keywords) say nothing: dropped, with the
      // allOf itself when none is left.
      const members = (convert(value) as Json[]).filter((m) => Object.keys(m).length > 0);
      if (members.length > 0) out.allOf = members;
    } else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
      out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value;
      out[key] = true;
    } else {
      out[key] = convert(value);
    }
  }
  const ref = node.$ref;
  if (typeof ref !== 'string') return out;
  if (!ref.startsWith('#/$defs/')) throw new Error(`no OpenAPI form for the reference ${ref}`);
  const target = { $ref: `#/components/schemas/${componentOf(ref.slice('#/$defs/'.length))}` };
  // OpenAPI 3.0 ignores the siblings of a $ref: the member's own words go around it.
  delete out.$ref;
  return Object.keys(out).length === 0 ? target : { ...out, allOf: [target] };
}

function constType(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
