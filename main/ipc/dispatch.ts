/**
 * Validates a request and routes it to its handler. Used by main's
 * ipcMain.handle registration and by the end-to-end harness alike, so both
 * apply the same checks.
 *
 * How a channel answers, one rule for every channel: a Result. A success is
 * `{ ok: true, value }`; every failure is a SpireError turned into
 * `{ ok: false, error: { code, message } }` by toErrorInfo (common/errors.ts),
 * never a rejection. Refusals before a handler are answered here: a payload
 * that does not match the channel's zod schema never reaches the handler
 * (`invalid-request`); an unknown channel is `unknown-channel` (a failure is a
 * valid answer to any channel, so it needs no channel type). A request from
 * outside the app's window is refused the same way in register.ts
 * (`untrusted-sender`); a handler's own failure in handlers.ts (asResult).
 */
import { INVOKE_CHANNELS, type InvokeChannel, type Result } from '../../preload/contract/channels';
import { requestSchemas } from '../../preload/contract/schemas';
import { SpireError, toErrorInfo, type ErrorCode } from '../../common/errors';
import type { IpcHandlerTable } from './handlers';

export function isInvokeChannel(channel: unknown): channel is InvokeChannel {
  return typeof channel === 'string' && (INVOKE_CHANNELS as readonly string[]).includes(channel);
}

/** A refusal before any handler, as the failure Result every channel can answer. */
export function refusal(code: ErrorCode, message: string): Result<never> {
  return { ok: false, error: toErrorInfo(new SpireError(code, message)) };
}

/** A schema's issues in one line: "bytes: must hold 1 byte to …; name: must be a file name, not a path". */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}

/** Answers one invoke; never rejects (the value's type is the channel's, ResponseOf in the contract). */
export type IpcDispatcher = (channel: string, payload: unknown) => Promise<Result<unknown>>;

export function createIpcDispatcher(table: IpcHandlerTable): IpcDispatcher {
  return async (channel, payload) => {
    if (!isInvokeChannel(channel)) {
      return refusal('unknown-channel', `Unknown IPC channel "${String(channel)}".`);
    }
    const parsed = requestSchemas[channel].safeParse(payload);
    if (!parsed.success) {
      return refusal('invalid-request', `Invalid request on ${channel}: ${describeIssues(parsed.error.issues)}. This is a bug in SPIRE Studio; please report it.`);
    }
    const handler = table[channel] as (request: unknown) => Promise<Result<unknown>>;
    return handler(parsed.data);
  };
}
