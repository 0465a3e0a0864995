/**
 * Reply helpers shared by the routes: the media types the API answers with
 * besides JSON, and the 201 of every creating POST.
 */
import type { FastifyReply } from 'fastify';
import { BUNDLE_MEDIA_TYPE } from '../domain/bundle/bundle-types.ts';

/** Checkpoints, notes and keys are text (C2SP tlog-checkpoint, signed-note). */
export const TEXT_MEDIA_TYPE = 'text/plain; charset=utf-8';
export const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8';
export { BUNDLE_MEDIA_TYPE };

export function sendText(reply: FastifyReply, text: string): FastifyReply {
  return reply.type(TEXT_MEDIA_TYPE).send(text);
}

export function sendCsv(reply: FastifyReply, csv: string): FastifyReply {
  return reply.type(CSV_MEDIA_TYPE).send(csv);
}

/** A bundle leaves as its own media type; serialised here so no response schema reshapes it. */
export function sendBundle(reply: FastifyReply, bundle: unknown): FastifyReply {
  return reply.type(BUNDLE_MEDIA_TYPE).send(JSON.stringify(bundle));
}

export function sendCreated<T>(reply: FastifyReply, body: T): FastifyReply {
  return reply.code(201).send(body);
}
