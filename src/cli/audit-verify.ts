import { auditVerifyCommand } from './audit-verify-command';

// npm runs scripts from the package's folder and names the caller's folder in INIT_CWD: file
// arguments are meant relative to where the command was typed.
// eslint-disable-next-line no-restricted-properties -- npm's INIT_CWD is where the user is, not configuration
const callerFolder = process.env['INIT_CWD'];
if (callerFolder !== undefined && callerFolder !== '') process.chdir(callerFolder);

/** `npm run audit:verify -- <export.ndjson> <public-key.pem>... [--tree-size N] [--json] [--receipt <file>]`: see audit-verify-command.ts. */
auditVerifyCommand(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
