import { openApiComponents } from 'src/common/openapi-json-schema';

describe('openApiComponents', () => {
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://example.test/thing.json',
    type: 'object',
    properties: {
      kind: { const: 'thing' },
      version: { const: 1 },
      note: { type: ['string', 'null'], maxLength: 10 },
      share: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
      // A member that says something stays; one left empty goes.
      count: { allOf: [{ minimum: 0 }, { if: { minimum: 5 }, then: { maximum: 9 } }] },
      part: { $ref: '#/$defs/part', description: 'The part.' },
      parts: { type: 'array', items: { $ref: '#/$defs/part' } },
    },
    $defs: {
      part: {
        type: 'object',
        propertyNames: { maxLength: 3 },
        if: { properties: { a: { const: 1 } } },
        then: { required: ['b'] },
        // Only narrowing members: nothing of the allOf is left.
        allOf: [{ if: { properties: { a: { const: 2 } } }, then: { required: ['c'] } }],
        properties: { a: { type: 'integer' } },
      },
    },
  };

  it('writes OpenAPI 3.0 forms of 2020-12 keywords, and leaves out what only narrows', () => {
    const components = openApiComponents(schema, 'Thing');
    expect(Object.keys(components)).toEqual(['Thing', 'ThingPart']);
    expect(components.Thing).toEqual({
      type: 'object',
      properties: {
        kind: { enum: ['thing'], type: 'string' },
        version: { enum: [1], type: 'integer' },
        note: { type: 'string', nullable: true, maxLength: 10 },
        share: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1 },
        count: { allOf: [{ minimum: 0 }] },
        part: { description: 'The part.', allOf: [{ $ref: '#/components/schemas/ThingPart' }] },
        parts: { type: 'array', items: { $ref: '#/components/schemas/ThingPart' } },
      },
    });
    expect(components.ThingPart).toEqual({
      type: 'object',
      properties: { a: { type: 'integer' } },
    });
  });

  it("references a sibling's definition when it comes out the same, and only then", () => {
    const thing = openApiComponents(schema, 'Thing');
    const same = openApiComponents({ ...schema, $id: 'https://example.test/other.json' }, 'Other', {
      name: 'Thing',
      components: thing,
    });
    expect(Object.keys(same)).toEqual(['Other']);
    expect(JSON.stringify(same.Other)).toContain('#/components/schemas/ThingPart');
    const changed = { ...schema, $defs: { part: { type: 'object', properties: {} } } };
    const other = openApiComponents(changed, 'Other', { name: 'Thing', components: thing });
    expect(Object.keys(other)).toEqual(['Other', 'OtherPart']);
  });

  it('refuses what OpenAPI 3.0 cannot say', () => {
    expect(() => openApiComponents({ type: ['string', 'integer'] }, 'X')).toThrow(/no OpenAPI 3.0/);
    expect(() => openApiComponents({ $ref: 'https://elsewhere.test/x.json' }, 'X')).toThrow(
      /reference/,
    );
  });
});
