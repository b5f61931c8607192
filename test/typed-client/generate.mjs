// Writes the TypeScript types of the OpenAPI document at a URL with openapi-typescript's Node
// API: `node generate.mjs <url> <out.ts>`. A child process of the test, because the generator's
// dependencies are ES modules that Jest's CommonJS runtime cannot load.
import { writeFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';

const [url, out] = process.argv.slice(2);
// defaultNonNullable: false, or a request member with a `default` (maxTokens, temperature, …)
// would be typed as required: openapi-typescript 7 applies the option, on by default, to request
// bodies too (openapi-ts/openapi-typescript#2012, open).
const ast = await openapiTS(new URL(url), { defaultNonNullable: false });
writeFileSync(out, astToString(ast));
