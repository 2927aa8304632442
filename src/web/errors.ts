import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../errors.ts'
import { answersJson, forbiddenPage } from './access.ts'

interface Problem {
  status: number
  title: string
  message: string
  errors?: { field: string; message: string }[]
}

/** Turns any error into a clear, specific response: a GOV.UK page or a JSON error, never a stack trace. */
export function setUpErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    respond(request, reply, {
      status: 404,
      title: 'Page not found',
      message:
        'If you typed the web address, check it is correct. If you pasted it, check you copied the entire address.',
    }),
  )

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = describe(error)
    // Messages can quote what was entered, so a refusal is logged by its fields alone.
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed')
    else
      request.log.info(
        { code: error.code, status: problem.status, fields: problem.errors?.map((e) => e.field) },
        problem.title,
      )
    return respond(request, reply, problem)
  })
}

/**
 * For addresses the router cannot read (bad percent-encoding, a parameter too long). They are
 * answered before any hook or template is set up, so plainly, and saying `no-store` themselves.
 */
export function answerUnreadableAddress(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode ?? 400
  const message = 'The web address is not valid. If you typed it, check it is correct.'
  request.log.info({ code: error.code, status }, 'unreadable address')
  reply.code(status).header('cache-control', 'no-store')
  if (answersJson(request)) return reply.send({ error: { status, message } })
  return reply.type('text/plain; charset=utf-8').send(message)
}

function describe(error: FastifyError): Problem {
  if (error instanceof ValidationError) {
    return { status: 400, title: 'There is a problem', message: error.message, errors: error.errors }
  }
  if (error instanceof NotFoundError) return { status: 404, title: 'Page not found', message: error.message }
  if (error instanceof ConflictError)
    return { status: 409, title: 'There is a conflict', message: error.message }
  if (error instanceof UnprocessableError)
    return { status: 422, title: 'There is a problem', message: error.message }
  if (error.validation) {
    return {
      status: 400,
      title: 'There is a problem',
      message: error.message,
      errors: error.validation.map((v) => ({
        field: v.instancePath.replace(/^\//, '') || String(v.params?.missingProperty ?? 'input'),
        message: v.message ?? 'is not valid',
      })),
    }
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        title: 'What you sent is too large',
        message: 'The form or file was larger than this page accepts.',
      }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, title: 'Unsupported content type', message: 'Send a form or JSON.' }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, title: 'There is a problem', message: 'The request body is not valid JSON.' }
    case 'FST_CSRF_INVALID_TOKEN':
    case 'FST_CSRF_MISSING_SECRET':
      return {
        status: 403,
        title: 'Your form has expired',
        message:
          'The form could not be accepted because it was out of date or not sent from Caremarket. Go back, reload the page and try again.',
      }
  }
  if (error.statusCode === 429) {
    return {
      status: 429,
      title: 'Too many attempts',
      // One message for every limit, so which one was reached reveals nothing.
      message: 'There have been too many attempts. Wait a minute, then try again.',
    }
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, title: 'There is a problem', message: error.message }
  }
  return {
    status: 500,
    title: 'Sorry, there is a problem with the service',
    message: 'Try again later.',
  }
}

function respond(request: FastifyRequest, reply: FastifyReply, problem: Problem) {
  reply.code(problem.status)
  if (problem.status === 429) reply.header('retry-after', '60')
  if (answersJson(request) || !acceptsHtml(request)) {
    return reply.send({
      error: {
        status: problem.status,
        message: problem.message,
        ...(problem.errors ? { errors: problem.errors } : {}),
      },
    })
  }
  if (problem.status === 403 && !problem.errors && problem.title !== 'Your form has expired') {
    return reply.view('web/views/pages/error.njk', forbiddenPage)
  }
  return reply.view('web/views/pages/error.njk', {
    pageTitle: problem.title,
    paragraphs: [problem.message],
    errorList: problem.errors?.map((e) => ({ text: `${e.field}: ${e.message}` })),
    showHomeLink: true,
  })
}

function acceptsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept
  return !accept || accept.includes('text/html') || accept.includes('*/*')
}
