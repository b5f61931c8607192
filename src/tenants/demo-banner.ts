/**
 * The one-time credentials of the embedded default's demo tenant, for a person at a terminal.
 * Written straight to stdout, never through the logger, and only on the start that created them.
 */
export function demoBanner(demo: {
  organisation: string;
  adminEmail: string;
  oneTimePassword: string;
  apiKey: string;
  keyExpiresAt: string;
  baseUrl: string;
}): string {
  const lines = [
    'Demo tenant created. These credentials are shown ONCE; they are stored only as hashes.',
    '',
    `  Portal            ${demo.baseUrl}/`,
    `  Portal sign-in    organisation: ${demo.organisation}   email: ${demo.adminEmail}`,
    `  One-time password ${demo.oneTimePassword}   (you choose your own at first sign-in)`,
    `  Application key   ${demo.apiKey}   (scopes: all; expires ${demo.keyExpiresAt})`,
    '',
    `  Try it:  curl -H "Authorization: Bearer ${demo.apiKey}" ${demo.baseUrl}/v1/auth/session`,
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 2;
  const rule = '='.repeat(width);
  return `\n${rule}\n${lines.map((l) => ` ${l}`).join('\n')}\n${rule}\n\n`;
}
