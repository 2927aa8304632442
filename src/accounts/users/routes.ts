import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { Config } from '../../config.ts'
import { ConflictError, type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { operation } from '../../web/api-schema.ts'
import { field, formErrors } from '../../web/forms.ts'
import { acceptUploads } from '../../web/input.ts'
import { pageOfList, pagingQuery } from '../../web/paging.ts'
import { passwordLinkBase } from '../passwords/links.ts'
import { COUNCIL_ROLES, ROLE_LABELS, ROLES, type Role } from '../roles.ts'
import {
  newUserBody,
  userChangeBody,
  userCsvBody,
  userCsvUpload,
  userImportSchema,
  userParams,
  userSchema,
  usersSchema,
} from '../schemas.ts'
import { actorOf, type NewUser, type SessionUser } from '../service.ts'
import type { AccountsServices } from '../services.ts'
import { MAX_USER_CSV_ROWS, USER_CSV_COLUMNS } from './import.ts'
import { USER_STATUS_LABELS, USER_STATUSES, userFiltersSchema } from './rules.ts'
import type { CouncilUser } from './service.ts'

export interface UserRoutesOptions {
  accounts: AccountsServices['accounts']
  /** The council's teams, to filter the list by. */
  listTeams: AccountsServices['teams']['listTeams']
  /** The teams one user is in, for their page. */
  teamsOfUser: AccountsServices['teams']['teamsOfUser']
  config: Config
}

const ADMIN = { access: ['council_admin'] as Role[] }
const MAX_CSV_BYTES = 256 * 1024

/** A user as the API answers: instants as ISO strings. */
function showUser(user: CouncilUser) {
  return {
    ...user,
    createdAt: user.createdAt.toISOString(),
    lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
  }
}

const LAST_SIGN_IN_CHOICES = [
  { value: '', text: 'Any time' },
  { value: 'within-30', text: 'In the last 30 days', filter: { signedInWithinDays: 30 } },
  { value: 'over-30', text: 'Not in the last 30 days', filter: { notSignedInForDays: 30 } },
  { value: 'over-90', text: 'Not in the last 90 days', filter: { notSignedInForDays: 90 } },
]

const oversizedUploads = new WeakSet<FastifyRequest>()

/** Council admins' pages and API for their council's users. */
export const userRoutes: FastifyPluginAsync<UserRoutesOptions> = async (
  app,
  { accounts, listTeams, teamsOfUser, config },
) => {
  const linkBase = passwordLinkBase(config)
  const admin = (request: FastifyRequest) => request.user as SessionUser

  // The API also takes the file as the whole body, with Content-Type: text/csv.
  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'buffer', bodyLimit: MAX_CSV_BYTES },
    (_request, body, done) => done(null, body),
  )

  await acceptUploads(app, {
    limits: { fileSize: MAX_CSV_BYTES, files: 1, fields: 3, parts: 4 },
    async onFile(request, part) {
      const content = await part.toBuffer()
      if (part.file.truncated) oversizedUploads.add(request)
      return content
    },
  })

  app.get('/admin/users', { config: ADMIN }, async (request, reply) => {
    const user = admin(request)
    const query = {
      teamId: field(request.query, 'teamId'),
      role: field(request.query, 'role'),
      status: field(request.query, 'status'),
      lastSignIn: field(request.query, 'lastSignIn'),
    }
    const lastSignIn = LAST_SIGN_IN_CHOICES.find((c) => c.value === query.lastSignIn)
    const filters = {
      teamId: query.teamId || undefined,
      role: query.role || undefined,
      status: query.status || undefined,
      ...(lastSignIn?.filter ?? {}),
    }
    const teams = await listTeams(user.councilId)
    let errors: FieldError[] = []
    let rows: CouncilUser[] = []
    try {
      rows = await accounts.listCouncilUsers(user.councilId, filters)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      errors = error.errors
    }
    return reply.code(errors.length ? 400 : 200).view('accounts/users/views/users.njk', {
      pageTitle: 'Users',
      done: field(request.query, 'done'),
      filtered: Boolean(filters.teamId || filters.role || filters.status || lastSignIn?.filter),
      users: rows.map((u) => ({
        ...u,
        roleLabel: ROLE_LABELS[u.role],
        statusLabel: USER_STATUS_LABELS[u.status],
      })),
      teamItems: [
        { value: '', text: 'Any team' },
        ...teams.map((t) => ({ value: String(t.id), text: t.name })),
      ].map((item) => ({ ...item, selected: item.value === query.teamId })),
      roleItems: [
        { value: '', text: 'Any role' },
        ...ROLES.map((r) => ({ value: r, text: ROLE_LABELS[r] })),
      ].map((item) => ({ ...item, selected: item.value === query.role })),
      statusItems: [
        { value: '', text: 'Any status' },
        ...USER_STATUSES.map((s) => ({ value: s, text: USER_STATUS_LABELS[s] })),
      ].map((item) => ({ ...item, selected: item.value === query.status })),
      lastSignInItems: LAST_SIGN_IN_CHOICES.map(({ value, text }) => ({
        value,
        text,
        selected: value === query.lastSignIn,
      })),
      ...formErrors(errors),
    })
  })

  const roleOptions = ROLES.map((value) => ({ value, label: ROLE_LABELS[value] }))
  const showNewUserForm = (
    reply: FastifyReply,
    status: number,
    values: Record<string, string>,
    errors: FieldError[],
  ) =>
    reply.code(status).view('accounts/users/views/user-new.njk', {
      pageTitle: 'Add a user',
      roles: roleOptions,
      values,
      ...formErrors(errors),
    })

  app.get('/admin/users/new', { config: ADMIN }, async (_request, reply) =>
    showNewUserForm(reply, 200, {}, []),
  )

  app.post('/admin/users', { config: ADMIN }, async (request, reply) => {
    const user = admin(request)
    const values = {
      email: field(request.body, 'email'),
      role: field(request.body, 'role'),
      cqcProviderId: field(request.body, 'cqcProviderId'),
    }
    const input = {
      email: values.email,
      role: values.role,
      cqcProviderId: values.role === 'provider_user' ? values.cqcProviderId : undefined,
    } as NewUser
    try {
      const created = await accounts.addUser(user.councilId, input, actorOf(user), {
        passwordCostLog2: config.passwordCostLog2,
        linkBase,
      })
      return reply.redirect(
        `/admin/users?done=${encodeURIComponent(`${created.email} has been sent an invitation to set their password.`)}`,
        303,
      )
    } catch (error) {
      if (error instanceof ValidationError) return showNewUserForm(reply, 400, values, error.errors)
      if (error instanceof ConflictError)
        return showNewUserForm(reply, 409, values, [{ field: 'email', message: error.message }])
      throw error
    }
  })

  const showImport = (reply: FastifyReply, status: number, errors: FieldError[] = []) => {
    const rejectedRows = errors.filter((e) => e.field.startsWith('line-'))
    // The table has a column for the line, so each reason is shown without it.
    const reasons = rejectedRows.map((e) => ({
      line: e.field.slice('line-'.length),
      reason: e.message.replace(/^Line \d+: /, ''),
    }))
    // Rejected rows are listed in a table; the summary says, against the file, what became of them.
    const summary =
      rejectedRows.length === errors.length && rejectedRows.length > 0
        ? [
            {
              field: 'file',
              message: `${rejectedRows.length} ${rejectedRows.length === 1 ? 'row was' : 'rows were'} rejected, so no users were added. Correct them and upload the file again`,
            },
          ]
        : errors
    return reply.code(status).view('accounts/users/views/users-import.njk', {
      pageTitle: 'Add users from a CSV file',
      columns: USER_CSV_COLUMNS.join(','),
      maxRows: MAX_USER_CSV_ROWS,
      roles: ROLES.join(', '),
      rejectedRows: reasons,
      ...formErrors(summary),
    })
  }

  app.get('/admin/users/import', { config: ADMIN }, async (_request, reply) => showImport(reply, 200))

  app.post('/admin/users/import', { config: ADMIN }, async (request, reply) => {
    const user = admin(request)
    const file = (request.body as Record<string, unknown> | undefined)?.file
    if (oversizedUploads.has(request))
      return showImport(reply, 413, [
        { field: 'file', message: `The file must be smaller than ${MAX_CSV_BYTES / 1024} KB` },
      ])
    if (!Buffer.isBuffer(file) || file.length === 0)
      return showImport(reply, 400, [{ field: 'file', message: 'Select a CSV file of users' }])
    try {
      const { added } = await accounts.importUsers(user.councilId, file, actorOf(user), { linkBase })
      return reply.redirect(
        `/admin/users?done=${encodeURIComponent(`${added.length} ${added.length === 1 ? 'user was' : 'users were'} added and sent invitations.`)}`,
        303,
      )
    } catch (error) {
      if (error instanceof ValidationError) return showImport(reply, 400, error.errors)
      throw error
    }
  })

  const showUserPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status = 200,
    errors: FieldError[] = [],
  ) => {
    const { id } = parseInput(userParams, request.params)
    const shown = await accounts.getCouncilUser(admin(request).councilId, id)
    const teams = shown.role === 'provider_user' ? [] : await teamsOfUser(admin(request).councilId, id)
    return reply.code(status).view('accounts/users/views/user.njk', {
      pageTitle: shown.email,
      teams,
      shown: { ...shown, roleLabel: ROLE_LABELS[shown.role], statusLabel: USER_STATUS_LABELS[shown.status] },
      isSelf: shown.id === admin(request).id,
      done: field(request.query, 'done'),
      roleItems: COUNCIL_ROLES.map((r) => ({ value: r, text: ROLE_LABELS[r], checked: r === shown.role })),
      values: { email: field(request.body, 'email') || shown.email },
      ...formErrors(errors),
    })
  }

  app.get('/admin/users/:id', { config: ADMIN }, async (request, reply) => showUserPage(request, reply))

  /** One of the changes to a user from its page: done, then back to the page saying so, or the page with why not. */
  const change = (
    path: string,
    run: (request: FastifyRequest, user: SessionUser, id: number) => Promise<string>,
    errorField: string,
  ) =>
    app.post(`/admin/users/:id/${path}`, { config: ADMIN }, async (request, reply) => {
      const { id } = parseInput(userParams, request.params)
      try {
        const done = await run(request, admin(request), id)
        const target = path === 'remove' ? '/admin/users' : `/admin/users/${id}`
        return reply.redirect(`${target}?done=${encodeURIComponent(done)}`, 303)
      } catch (error) {
        if (error instanceof ValidationError)
          return showUserPage(
            request,
            reply,
            400,
            error.errors.map((e) => ({ ...e, field: errorField })),
          )
        if (error instanceof ConflictError)
          return showUserPage(request, reply, 409, [{ field: errorField, message: error.message }])
        throw error
      }
    })

  change(
    'disable',
    async (_request, user, id) => {
      const shown = await accounts.disableUser(user.councilId, id, actorOf(user))
      return `${shown.email} has been disabled. Their sessions have ended and their API tokens have been revoked.`
    },
    'status',
  )
  change(
    'enable',
    async (_request, user, id) => {
      const shown = await accounts.enableUser(user.councilId, id, actorOf(user))
      return `${shown.email} has been enabled and can sign in again.`
    },
    'status',
  )
  change(
    'role',
    async (request, user, id) => {
      const shown = await accounts.changeUserRole(
        user.councilId,
        id,
        { role: field(request.body, 'role') },
        actorOf(user),
      )
      return `${shown.email} is now a ${ROLE_LABELS[shown.role].toLowerCase()}.`
    },
    'role',
  )
  change(
    'email',
    async (request, user, id) => {
      const shown = await accounts.changeUserEmail(
        user.councilId,
        id,
        { email: field(request.body, 'email') },
        actorOf(user),
      )
      return `The email address is now ${shown.email}.`
    },
    'email',
  )
  change(
    'two-factor-reset',
    async (_request, user, id) => {
      const shown = await accounts.resetUserTwoFactor(user.councilId, id, actorOf(user))
      return `${shown.email}’s two-factor authentication has been reset and their sessions have ended. If two-factor authentication is required for them, they will set up a new authenticator app when they next sign in.`
    },
    'twoFactor',
  )
  change(
    'send-link',
    async (_request, user, id) => {
      const sent = await accounts.sendPasswordLink(user.councilId, id, actorOf(user), { linkBase })
      return sent.purpose === 'invitation'
        ? `A new invitation has been sent to ${sent.email}.`
        : `A link to reset their password has been sent to ${sent.email}.`
    },
    'status',
  )
  change(
    'remove',
    async (request, user, id) => {
      if (field(request.body, 'confirm') !== 'yes')
        throw new ValidationError([
          { field: 'confirm', message: 'Confirm that you want to remove this user' },
        ])
      const removed = await accounts.removeUser(user.councilId, id, actorOf(user))
      return `${removed.email} has been removed.`
    },
    'confirm',
  )

  // The API: the same changes, for council admins' own tools.
  const tags = ['users']

  app.get(
    '/api/v1/users',
    {
      config: ADMIN,
      schema: operation({
        summary:
          'Users of your council, filtered by role, status and last sign-in (removed users are never listed)',
        tags,
        querystring: userFiltersSchema.extend(pagingQuery.shape),
        responses: { 200: usersSchema },
        errors: [],
      }),
    },
    async (request) => {
      const { limit, offset, ...filters } = (request.query ?? {}) as Record<string, unknown>
      const paging = parseInput(pagingQuery, { limit, offset })
      const users = await accounts.listCouncilUsers(admin(request).councilId, filters)
      return pageOfList('users', users.map(showUser), paging)
    },
  )

  app.get(
    '/api/v1/users/:id',
    {
      config: ADMIN,
      schema: operation({
        summary: 'One user',
        tags,
        params: userParams,
        responses: { 200: z.object({ user: userSchema }) },
        errors: [404],
      }),
    },
    async (request) => {
      const { id } = parseInput(userParams, request.params)
      return { user: showUser(await accounts.getCouncilUser(admin(request).councilId, id)) }
    },
  )

  app.post(
    '/api/v1/users',
    {
      config: ADMIN,
      schema: operation({
        summary: 'Add a user; they are emailed an invitation to set their own password',
        tags,
        body: newUserBody,
        responses: { 201: z.object({ user: userSchema }) },
        errors: [409],
      }),
    },
    async (request, reply) => {
      const user = admin(request)
      const created = await accounts.addUser(
        user.councilId,
        { ...(request.body as object), password: undefined } as NewUser,
        actorOf(user),
        { passwordCostLog2: config.passwordCostLog2, linkBase },
      )
      return reply
        .code(201)
        .send({ user: showUser(await accounts.getCouncilUser(user.councilId, created.id)) })
    },
  )

  app.post(
    '/api/v1/users/imports',
    {
      config: ADMIN,
      schema: operation({
        summary:
          'Add the users of a CSV file, each emailed an invitation to set their own password: all of them, or none. ' +
          `Send the file as the body with Content-Type text/csv, or as the field file of multipart/form-data. The first line names the columns ${USER_CSV_COLUMNS.join(',')} (cqc_provider_id for provider users only); up to ${MAX_USER_CSV_ROWS} users and ${MAX_CSV_BYTES / 1024} KB. ` +
          'When any row is rejected, nothing is added and the answer is a 400 listing every rejected row: field line-N, and a message saying what is wrong on line N.',
        tags,
        body: {
          content: {
            'text/csv': { schema: userCsvBody },
            'multipart/form-data': { schema: userCsvUpload },
          },
        },
        responses: { 201: userImportSchema },
        errors: [413, 415],
      }),
    },
    async (request, reply) => {
      const user = admin(request)
      if (oversizedUploads.has(request)) {
        const message = `The file must be smaller than ${MAX_CSV_BYTES / 1024} KB`
        return reply.code(413).send({ error: { status: 413, message } })
      }
      const body = request.body
      const file = Buffer.isBuffer(body) ? body : (body as Record<string, unknown> | undefined)?.file
      if (!Buffer.isBuffer(file) || file.length === 0)
        throw new ValidationError([
          {
            field: 'file',
            message:
              'Send a CSV file of users: as the body with Content-Type text/csv, or as the field file of multipart/form-data',
          },
        ])
      try {
        const { added } = await accounts.importUsers(user.councilId, file, actorOf(user), { linkBase })
        return reply.code(201).send({ added })
      } catch (error) {
        if (!(error instanceof ValidationError) || !error.errors.every((e) => e.field.startsWith('line-')))
          throw error
        const rejected = new ValidationError(error.errors)
        rejected.message = `${error.errors.length} ${error.errors.length === 1 ? 'row was' : 'rows were'} rejected, so no users were added`
        throw rejected
      }
    },
  )

  const action = (path: 'disable' | 'enable', summary: string, run: typeof accounts.disableUser) =>
    app.post(
      `/api/v1/users/:id/${path}`,
      {
        config: ADMIN,
        schema: operation({
          summary,
          tags,
          params: userParams,
          responses: { 200: z.object({ user: userSchema }) },
          errors: [404, 409],
        }),
      },
      async (request) => {
        const { id } = parseInput(userParams, request.params)
        const user = admin(request)
        await run(user.councilId, id, actorOf(user))
        return { user: showUser(await accounts.getCouncilUser(user.councilId, id)) }
      },
    )
  action(
    'disable',
    'Disable a user: their sessions end and the API tokens they made are revoked at once. Refused (409) for the last active council admin',
    accounts.disableUser,
  )
  action('enable', 'Enable a disabled user', accounts.enableUser)

  app.post(
    '/api/v1/users/:id/two-factor/reset',
    {
      config: ADMIN,
      schema: operation({
        summary:
          'Reset a user’s two-factor authentication, when they have lost their authenticator app: their authenticator and recovery codes are cleared and their sessions end. If two-factor authentication is required for them, they set up a new authenticator at their next sign-in. Refused (409) when they have none set up',
        tags,
        params: userParams,
        responses: { 200: z.object({ user: userSchema }) },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const { id } = parseInput(userParams, request.params)
      const user = admin(request)
      await accounts.resetUserTwoFactor(user.councilId, id, actorOf(user))
      return { user: showUser(await accounts.getCouncilUser(user.councilId, id)) }
    },
  )

  app.patch(
    '/api/v1/users/:id',
    {
      config: ADMIN,
      schema: operation({
        summary:
          'Change a user’s role (their sessions end) or email address. Refused (409) when it would demote the last active council admin',
        tags,
        params: userParams,
        body: userChangeBody,
        responses: { 200: z.object({ user: userSchema }) },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const { id } = parseInput(userParams, request.params)
      const user = admin(request)
      const body = parseInput(
        z.object({ role: z.string().optional(), email: z.string().optional() }),
        request.body ?? {},
      )
      if (body.role === undefined && body.email === undefined)
        throw new ValidationError([{ field: 'input', message: 'Give a role or an email address to change' }])
      if (body.email !== undefined)
        await accounts.changeUserEmail(user.councilId, id, { email: body.email }, actorOf(user))
      if (body.role !== undefined)
        await accounts.changeUserRole(user.councilId, id, { role: body.role }, actorOf(user))
      return { user: showUser(await accounts.getCouncilUser(user.councilId, id)) }
    },
  )

  app.delete(
    '/api/v1/users/:id',
    {
      config: ADMIN,
      schema: operation({
        summary:
          'Remove a user: they can no longer sign in and leave every list; the audit log keeps their name. Refused (409) for the last active council admin',
        tags,
        params: userParams,
        responses: { 200: z.object({ removed: z.literal(true) }) },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const { id } = parseInput(userParams, request.params)
      const user = admin(request)
      await accounts.removeUser(user.councilId, id, actorOf(user))
      return { removed: true as const }
    },
  )
}
