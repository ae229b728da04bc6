import { auditVerifyCommand } from './audit-verify-command';

/** `npm run audit:verify -- <export.ndjson> <public-key.pem>... [--tree-size N] [--json]`: see audit-verify-command.ts. */
auditVerifyCommand(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
