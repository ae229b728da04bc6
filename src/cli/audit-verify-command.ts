import { createPublicKey, type KeyObject } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyExport, type ExportVerification } from '@app/event-store';

/** Where the command writes: stdout for the result, stderr for usage and input errors. */
export interface Output {
  log(line: string): void;
  error(line: string): void;
}

const CONSOLE: Output = { log: (line) => console.log(line), error: (line) => console.error(line) };

const USAGE = 'usage: npm run audit:verify -- <export.ndjson> <public-key.pem> [--tree-size <N>] [--json]';

/**
 * `npm run audit:verify -- export.ndjson public-key.pem` verifies an audit export offline, with the
 * public key alone (the PEM, or the JSON of `GET /v1/audit/public-key`): every event's leaf hash,
 * the seq order, the hash chain and each checkpoint's root and Ed25519 signature. `--tree-size N`
 * also requires the checkpoint of that size (the latest one you hold), so that an export cut short
 * cannot pass for a complete one. Exit status: 0 verified, 1 a mismatch (the first one is printed),
 * 2 bad usage or unreadable input.
 */
export async function auditVerifyCommand(args: readonly string[], out: Output = CONSOLE): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { 'tree-size': { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    out.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [exportFile, keyFile] = positionals;
  if (exportFile === undefined || keyFile === undefined || positionals.length > 2) {
    out.error(USAGE);
    return 2;
  }
  const treeSize = values['tree-size'] === undefined ? undefined : Number(values['tree-size']);
  if (treeSize !== undefined && (!Number.isSafeInteger(treeSize) || treeSize < 1)) {
    out.error(`--tree-size must be a positive integer\n${USAGE}`);
    return 2;
  }
  let publicKey: KeyObject;
  try {
    publicKey = readPublicKey(keyFile);
  } catch (error) {
    out.error(`cannot read an Ed25519 public key from ${keyFile}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  let result: ExportVerification;
  try {
    result = await verifyExport(createReadStream(exportFile, { highWaterMark: 1 << 20 }), publicKey, treeSize === undefined ? {} : { treeSize });
  } catch (error) {
    out.error(`cannot read ${exportFile}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  out.log(values.json ? JSON.stringify(result) : describe(result));
  return result.ok ? 0 : 1;
}

/** The key from a PEM file, or from the JSON that `GET /v1/audit/public-key` answers. */
function readPublicKey(file: string): KeyObject {
  const text = readFileSync(file, 'utf8');
  const pem = text.trimStart().startsWith('{') ? (JSON.parse(text) as { publicKeyPem?: unknown }).publicKeyPem : text;
  if (typeof pem !== 'string') throw new Error('the JSON has no publicKeyPem');
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it is an ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  return key;
}

function describe(result: ExportVerification): string {
  const lines: string[] = [];
  const mismatch = result.firstMismatch;
  if (mismatch === undefined) {
    lines.push(`OK: ${result.verifiedEvents} events verified; ${result.checkpoints} signed checkpoints verified, covering ${result.signedEvents} events.`);
  } else {
    const where = [mismatch.line > 0 ? `line ${mismatch.line}` : undefined, `seq ${mismatch.seq}`, mismatch.position === null ? undefined : `position ${mismatch.position}`]
      .filter((part) => part !== undefined)
      .join(', ');
    lines.push(`FAILED at ${where}: ${mismatch.reason}.`);
    lines.push(`${result.verifiedEvents} events before it verified; ${result.checkpoints} checkpoints verified, covering ${result.signedEvents} events.`);
  }
  const unsigned = result.verifiedEvents - result.signedEvents;
  if (mismatch === undefined && unsigned > 0) {
    lines.push(`Note: the last ${unsigned} events come after the last checkpoint: their leaf hashes match, but no signature covers them yet.`);
  }
  return lines.join('\n');
}
