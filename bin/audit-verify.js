#!/usr/bin/env node
// The standalone verifier (docs/VERIFYING.md), compiled by `npm run build` into dist/.
'use strict';
const { main } = require('../dist/src/verifier/audit-verify.js');

main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
