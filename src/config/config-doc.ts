import { CONFIG_SCHEMA, VariableSpec } from 'src/config/config.schema';

/** The configuration table of README.md, generated from the schema so the two cannot drift. */
export function configTableMarkdown(): string {
  const rows = (Object.entries(CONFIG_SCHEMA) as [string, VariableSpec<unknown>][]).map(
    ([name, v]) =>
      `| \`${name}\` | ${v.default === undefined ? '(unset)' : `\`${v.default}\``} | ${v.sensitive ? 'yes' : 'no'} | ${v.description} |`,
  );
  return ['| Variable | Default | Secret | What it does |', '|---|---|---|---|', ...rows].join(
    '\n',
  );
}

if (require.main === module) {
  process.stdout.write(`${configTableMarkdown()}\n`);
}
