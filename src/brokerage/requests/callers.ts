// Who is asking to change a request, and whether their role allows it. Brokers manage every
// request; social workers create requests and submit, edit or cancel those of their caseload.
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import type { Actor } from '../../audit/service.ts'
import { nextStatus, type RequestAction } from '../rules/index.ts'
import { inCaseload } from './caseload.ts'
import type { SourcingRequest } from './store.ts'

/** The service itself acting for a council: the deadline scheduler, the CLI, the simulator. */
export interface SystemCaller {
  kind: 'system'
  label: string
  councilId: number
}

/** A signed-in user (or API token), or the service itself. */
export type RequestCaller = SessionUser | SystemCaller

export interface Clock {
  now?: Date
}

export interface LifecycleOptions extends Clock {
  /** The version the caller saw; if the request has changed since, the change is refused (409). */
  expectedVersion?: number
}

/** The role does not allow this action on this request (for example another social worker's draft). */
export class ForbiddenError extends Error {
  readonly statusCode = 403
}

export function isSystem(caller: RequestCaller): caller is SystemCaller {
  return 'kind' in caller && caller.kind === 'system'
}

export function actorFor(caller: RequestCaller): Actor {
  if (isSystem(caller)) return { kind: 'system', label: caller.label }
  return actorOf(caller)
}

export function actorLabel(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

export type RequestPermission =
  | 'create'
  | 'editDraft'
  | 'submit'
  | 'publish'
  | 'close'
  | 'cancel'
  | 'republish'

type CaseloadFields = Pick<SourcingRequest, 'createdByUserId' | 'teamId'>

/**
 * Brokers manage every request; social workers create requests and submit, edit or cancel those of
 * their caseload (their teams' and their own). Other council roles read. The route declares the
 * roles; this adds "of their caseload".
 */
export function mayAct(
  caller: RequestCaller,
  permission: RequestPermission,
  request?: CaseloadFields,
): boolean {
  if (isSystem(caller) || caller.role === 'broker') return true
  if (caller.role !== 'social_worker') return false
  if (permission === 'create') return true
  if (permission === 'editDraft' || permission === 'submit' || permission === 'cancel')
    return request !== undefined && inCaseload(caller, request)
  return false
}

const REFUSALS: Record<RequestPermission, string> = {
  create: 'Only social workers and brokers can request care',
  editDraft: 'Only a social worker of the request’s team, or a broker, can change it',
  submit: 'Only a social worker of the request’s team, or a broker, can submit it',
  publish: 'Only a broker can publish a request',
  close: 'Only a broker can close a request',
  cancel: 'Only a social worker of the request’s team, or a broker, can cancel it',
  republish: 'Only a broker can republish a request',
}

export function authorise(
  caller: RequestCaller,
  permission: RequestPermission,
  request?: CaseloadFields,
): void {
  if (!mayAct(caller, permission, request)) throw new ForbiddenError(REFUSALS[permission])
}

/** The lifecycle actions this caller may take on the request now, for choosing buttons. */
export function availableActions(caller: RequestCaller, request: SourcingRequest): RequestAction[] {
  const byAction: Partial<Record<RequestAction, RequestPermission>> = {
    submit: 'submit',
    return: 'publish',
    publish: 'publish',
    close: 'close',
    cancel: 'cancel',
    republish: 'republish',
  }
  return (Object.keys(byAction) as RequestAction[]).filter((action) => {
    const permission = byAction[action] as RequestPermission
    return nextStatus(request.status, action, { reason: 'x' }).ok && mayAct(caller, permission, request)
  })
}
