import { createPublicKey } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyExport, type ExportVerification, type LogSigner } from '@app/event-store';
import { AUDIT_KEY_NAME } from '../audit/audit-signing-key';

/** Where the command writes: stdout for the result, stderr for usage and input errors. */
export interface Output {
  log(line: string): void;
  error(line: string): void;
}

const CONSOLE: Output = { log: (line) => process.stdout.write(`${line}\n`), error: (line) => process.stderr.write(`${line}\n`) };

const USAGE = 'usage: npm run audit:verify -- <export.ndjson> <public-key.pem|public-key.json> [--key-name <name>] [--tree-size <N>] [--strict] [--json]';

/**
 * `npm run audit:verify -- export.ndjson public-key.json` verifies an audit export offline, with the
 * public key alone (the JSON of `GET /v1/audit/public-key`, or a PEM with `--key-name`, which
 * defaults to this service's key name): every event's leaf hash, the seq order, the hash chain and
 * each checkpoint's root and Ed25519 signature by that name and key.
 *  - `--tree-size N` also requires the checkpoint of that size (the latest one you hold), so that
 *    an export cut short cannot pass for a complete one.
 *  - `--strict` also fails when events follow the last checkpoint (no signature covers them yet).
 * Exit status: 0 verified, 1 a mismatch (the first one is printed), 2 bad usage or unreadable input.
 */
export async function auditVerifyCommand(args: readonly string[], out: Output = CONSOLE): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { 'tree-size': { type: 'string' }, 'key-name': { type: 'string' }, strict: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
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
  const rawTreeSize = values['tree-size'];
  const treeSize = rawTreeSize === undefined ? undefined : /^[1-9][0-9]{0,15}$/.test(rawTreeSize) ? Number(rawTreeSize) : Number.NaN;
  if (treeSize !== undefined && !Number.isSafeInteger(treeSize)) {
    out.error(`--tree-size must be a positive integer\n${USAGE}`);
    return 2;
  }
  let signer: LogSigner;
  try {
    signer = readSigner(keyFile, values['key-name']);
  } catch (error) {
    out.error(`cannot read an Ed25519 public key from ${keyFile}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  let result: ExportVerification;
  try {
    result = await verifyExport(createReadStream(exportFile, { highWaterMark: 1 << 20 }), signer, treeSize === undefined ? {} : { treeSize });
  } catch (error) {
    out.error(`cannot read ${exportFile}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const unsigned = result.verifiedEvents - result.signedEvents;
  out.log(values.json ? JSON.stringify(result) : describe(result, values.strict));
  return result.ok && !(values.strict && unsigned > 0) ? 0 : 1;
}

/**
 * The signer from the JSON that `GET /v1/audit/public-key` answers (key and name), or from a PEM
 * file with `--key-name` (default: this service's key name). A signature under another name is refused.
 */
function readSigner(file: string, keyName: string | undefined): LogSigner {
  const text = readFileSync(file, 'utf8');
  let pem: unknown = text;
  let name = keyName ?? AUDIT_KEY_NAME;
  if (text.trimStart().startsWith('{')) {
    const json = JSON.parse(text) as { publicKeyPem?: unknown; keyName?: unknown };
    pem = json.publicKeyPem;
    if (typeof json.keyName === 'string') name = keyName ?? json.keyName;
  }
  if (typeof pem !== 'string') throw new Error('the JSON has no publicKeyPem');
  const publicKey = createPublicKey(pem);
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`it is an ${publicKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  return { publicKey, keyName: name };
}

function describe(result: ExportVerification, strict: boolean): string {
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
    lines.push(
      `${strict ? 'FAILED (--strict)' : 'Note'}: the last ${unsigned} events come after the last checkpoint: their leaf hashes match, but no signature covers them yet.`,
    );
  }
  return lines.join('\n');
}
