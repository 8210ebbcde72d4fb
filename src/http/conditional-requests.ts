/**
 * Conditional requests (RFC 9110) as every versioned resource answers them, so documents and
 * collections send the same status codes and headers: the ETag is the record's version
 * (entity-tag.ts); a write names the version it is based on in If-Match, and a record that has
 * moved on is a 412 (src/store/versioned-records.ts tells it from a 404); a read whose
 * If-None-Match names the current version is a 304. A committed write is answered with its new
 * ETag and its read-your-writes token.
 */
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { sendToken } from '../store/consistency-header';
import type { ExpectedVersions, Versioned, Written } from '../store/versioned-store';
import { EntityTag } from './entity-tag';

/** The optional If-Match of every write to a `noun`, as the OpenAPI document describes it. */
export const ApiIfMatch = (noun: string) =>
  ApiHeader({
    name: 'If-Match',
    required: false,
    description: `The entity tag the change is based on: 412 if the ${noun} has moved on.`,
  });

/** The versions an If-Match allows (`any` when absent); a malformed one is a 400. */
function expected(ifMatch: string | undefined): ExpectedVersions {
  return EntityTag.parseIfMatch(ifMatch);
}

/** The record, with its ETag set. */
function tagged<T extends Versioned>(reply: FastifyReply, record: T): T {
  reply.header('ETag', EntityTag.of(record.version));
  return record;
}

/** 201: where the new record is, its consistency token and its ETag. */
function created<T extends Versioned>(
  reply: FastifyReply,
  written: Written<T>,
  location: string,
): T {
  sendToken(reply.status(201).header('Location', location), written.token);
  return tagged(reply, written.value);
}

/** A committed change: its consistency token and the record's new ETag. */
function changed<T extends Versioned>(reply: FastifyReply, written: Written<T>): T {
  return tagged(sendToken(reply, written.token), written.value);
}

/** A committed delete: its consistency token (the route answers 204). */
function deleted(reply: FastifyReply, token: string | undefined): void {
  sendToken(reply, token);
}

/**
 * A read: the record with its ETag, or the cache's bytes when the cache answered, sent as they
 * are (the same JSON Fastify would have serialized).
 */
function found<T extends Versioned>(
  reply: FastifyReply,
  record: T,
  json: Buffer | undefined,
): T | Buffer {
  tagged(reply, record);
  if (json === undefined) return record;
  reply.type('application/json; charset=utf-8');
  return json;
}

/** True, with the reply made a 304, when If-None-Match names `version`. */
function notModified(reply: FastifyReply, ifNoneMatch: string | undefined, version: number) {
  if (!EntityTag.noneMatchHits(ifNoneMatch, version)) return false;
  reply.status(304).header('ETag', EntityTag.of(version));
  return true;
}

export const ConditionalRequests = {
  expected,
  created,
  changed,
  deleted,
  found,
  notModified,
};
