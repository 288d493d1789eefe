/**
 * Validates a request and routes it to its handler. Used by main's
 * ipcMain.handle registration and by the end-to-end harness alike, so both
 * apply the same checks.
 *
 * How a channel answers (one rule, applied here for refusals and in handlers.ts
 * for a handler's own failures): every failure is a SpireError turned into
 * `{ code, message }` by toErrorInfo (common/errors.ts). A channel whose
 * response is a Result (RESULT_CHANNELS: all that can fail) answers it inside the
 * Result, `{ ok: false, error }`, and never rejects. The four plain reads
 * (app:info, image:recent, engine:status, settings:get) cannot fail in their
 * handler; a refusal before it (invalid payload) rejects the invoke with that
 * SpireError. A payload that does not match the channel's zod schema never
 * reaches the handler (code `invalid-request`); an unknown channel is
 * `unknown-channel`, a request from outside the app's window `untrusted-sender`
 * (register.ts), both rejected: they have no Result type to answer in.
 */
import { INVOKE_CHANNELS, type InvokeChannel, type ResponseOf, type Result } from '../../preload/contract/channels';
import { requestSchemas } from '../../preload/contract/schemas';
import { SpireError, toErrorInfo } from '../../common/errors';
import type { IpcHandlerTable } from './handlers';

type ResultChannel = { [C in InvokeChannel]: ResponseOf<C> extends Result<unknown> ? C : never }[InvokeChannel];

/** Channels whose response is a Result; a validation failure is reported inside the Result. */
export const RESULT_CHANNELS = [
  'spire:image:open-dialog',
  'spire:image:open-bytes',
  'spire:image:open-recent',
  'spire:image:estimate',
  'spire:engine:list-packs',
  'spire:engine:choose-pack',
  'spire:engine:configure',
  'spire:restore:start',
  'spire:restore:cancel',
  'spire:restore:discard',
  'spire:export:save',
  'spire:settings:set',
] as const satisfies readonly ResultChannel[];
// Compile-time check that the list above names every Result channel.
type MissingResultChannel = Exclude<ResultChannel, (typeof RESULT_CHANNELS)[number]>;
const resultChannelsComplete: [MissingResultChannel] extends [never] ? true : never = true;
void resultChannelsComplete;

function answersResult(channel: InvokeChannel): boolean {
  return (RESULT_CHANNELS as readonly string[]).includes(channel);
}

export function isInvokeChannel(channel: unknown): channel is InvokeChannel {
  return typeof channel === 'string' && (INVOKE_CHANNELS as readonly string[]).includes(channel);
}

/** A schema's issues in one line: "bytes: must hold 1 byte to …; name: must be a file name, not a path". */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}

export type IpcDispatcher = (channel: string, payload: unknown) => Promise<unknown>;

export function createIpcDispatcher(table: IpcHandlerTable): IpcDispatcher {
  return async (channel, payload) => {
    if (!isInvokeChannel(channel)) {
      throw new SpireError('unknown-channel', `Unknown IPC channel "${String(channel)}".`);
    }
    const parsed = requestSchemas[channel].safeParse(payload);
    if (!parsed.success) {
      const refusal = new SpireError('invalid-request', `Invalid request on ${channel}: ${describeIssues(parsed.error.issues)}. This is a bug in SPIRE Studio; please report it.`);
      if (answersResult(channel)) return { ok: false, error: toErrorInfo(refusal) } satisfies Result<never>;
      throw refusal;
    }
    const handler = table[channel] as (request: unknown) => Promise<unknown>;
    return handler(parsed.data);
  };
}
