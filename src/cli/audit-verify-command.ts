import { createPublicKey, type KeyObject } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyExport, type ExportVerification, type LogSigner } from '@app/event-store';
import { AUDIT_KEY_NAME } from '../audit/audit-signing-key';
import { checkReceipt, describeReceipt, type ReceiptCheck } from './receipt-check';

/** Where the command writes: stdout for the result, stderr for usage and input errors. */
export interface Output {
  log(line: string): void;
  error(line: string): void;
}

const CONSOLE: Output = { log: (line) => process.stdout.write(`${line}\n`), error: (line) => process.stderr.write(`${line}\n`) };

const USAGE =
  'usage: npm run audit:verify -- <export.ndjson> <public-key.pem|public-key.json|public-keys.json>... [--key-name <name>] [--tree-size <N>] [--strict] [--json] [--receipt <receipt-file>]';

/**
 * `npm run audit:verify -- export.ndjson public-keys.json` verifies an audit export offline, with the
 * public keys alone (the JSON of `GET /v1/audit/public-keys` or `/public-key`, or PEM files with
 * `--key-name`, which defaults to this service's key name): every event's leaf hash, the seq order,
 * the hash chain and each checkpoint's root and Ed25519 signature by that name and one of the keys
 * given (several after a key rotation; a checkpoint by any other key is reported as signed by an
 * unknown key).
 *  - `--tree-size N` also requires the checkpoint of that size (the latest one you hold), so that
 *    an export cut short cannot pass for a complete one.
 *  - `--strict` also fails when events follow the last checkpoint (no signature covers them yet).
 *  - `--receipt <file>` also checks a filing receipt (the note, or the base64 of the `Receipt`
 *    header) against the export and prints the inclusion proof of its leaf (see receipt-check.ts).
 * Exit status: 0 verified, 1 a mismatch (the first one is printed), 2 bad usage or unreadable input.
 */
export async function auditVerifyCommand(args: readonly string[], out: Output = CONSOLE): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { receipt: { type: 'string' }, 'tree-size': { type: 'string' }, 'key-name': { type: 'string' }, strict: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    out.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [exportFile, ...keyFiles] = positionals;
  if (exportFile === undefined || keyFiles.length === 0) {
    out.error(USAGE);
    return 2;
  }
  const rawTreeSize = values['tree-size'];
  const treeSize = rawTreeSize === undefined ? undefined : /^[1-9][0-9]{0,15}$/.test(rawTreeSize) ? Number(rawTreeSize) : Number.NaN;
  if (treeSize !== undefined && !Number.isSafeInteger(treeSize)) {
    out.error(`--tree-size must be a positive integer\n${USAGE}`);
    return 2;
  }
  const publicKeys: KeyObject[] = [];
  let keyName: string | undefined = values['key-name'];
  for (const keyFile of keyFiles) {
    try {
      const read = readSigner(keyFile, values['key-name']);
      publicKeys.push(...read.publicKeys);
      keyName ??= read.keyName;
    } catch (error) {
      out.error(`cannot read an Ed25519 public key from ${keyFile}: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
  }
  const signer: LogSigner = { publicKey: publicKeys, keyName: keyName ?? AUDIT_KEY_NAME };
  let result: ExportVerification;
  try {
    result = await verifyExport(createReadStream(exportFile, { highWaterMark: 1 << 20 }), signer, treeSize === undefined ? {} : { treeSize });
  } catch (error) {
    out.error(`cannot read ${exportFile}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const unsigned = result.verifiedEvents - result.signedEvents;
  let receipt: ReceiptCheck | undefined;
  if (values.receipt !== undefined) {
    let text: string;
    try {
      text = readFileSync(values.receipt, 'utf8');
    } catch (error) {
      out.error(`cannot read ${values.receipt}: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
    receipt = result.ok ? await checkReceipt(text, exportFile, signer) : { ok: false, reason: 'the export does not verify' };
  }
  if (values.json) out.log(JSON.stringify(receipt === undefined ? result : { ...result, receipt }));
  else out.log([describe(result, values.strict), ...(receipt === undefined ? [] : [describeReceipt(receipt)])].join('\n'));
  return result.ok && !(values.strict && unsigned > 0) && (receipt === undefined || receipt.ok) ? 0 : 1;
}

/**
 * The keys of one file: the JSON that `GET /v1/audit/public-keys` (every key) or `/public-key`
 * answers (keys and name), or a PEM file of one or more public keys. The name is the JSON's unless
 * `--key-name` says otherwise; for a PEM file, undefined (the caller's default). A signature under
 * another name is refused.
 */
function readSigner(file: string, keyName: string | undefined): { publicKeys: KeyObject[]; keyName: string | undefined } {
  const text = readFileSync(file, 'utf8');
  let pems: unknown[];
  let name = keyName;
  if (text.trimStart().startsWith('{')) {
    const json = JSON.parse(text) as { publicKeyPem?: unknown; keyName?: unknown; items?: unknown };
    const entries = (Array.isArray(json.items) ? json.items : [json]) as { publicKeyPem?: unknown; keyName?: unknown }[];
    pems = entries.map((entry) => entry?.publicKeyPem);
    const named = entries.find((entry) => typeof entry?.keyName === 'string')?.keyName;
    if (typeof named === 'string') name = keyName ?? named;
    if (pems.length === 0) throw new Error('the JSON lists no key');
  } else {
    pems = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/gu) ?? [text];
  }
  const publicKeys = pems.map((pem) => {
    if (typeof pem !== 'string') throw new Error('the JSON has no publicKeyPem');
    const publicKey = createPublicKey(pem);
    if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`it is an ${publicKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
    return publicKey;
  });
  return { publicKeys, keyName: name };
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
