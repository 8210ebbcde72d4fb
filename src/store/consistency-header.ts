import type { FastifyReply } from 'fastify';

/** Read-your-writes: writes return it, reads may send it back (libs/database). */
export const TOKEN_HEADER = 'x-consistency-token';

/** Sets the write's consistency token, when the read-your-writes decorator issued one. */
export function sendToken(reply: FastifyReply, token: string | undefined): FastifyReply {
  return token === undefined ? reply : reply.header(TOKEN_HEADER, token);
}
