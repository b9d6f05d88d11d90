import { applyDecorators, Delete, Get, HttpCode, Post, Put, Type } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiParam } from '@nestjs/swagger';
import { ApiErrors, BODY_ERRORS, PATH_ERRORS, QUOTA } from './openapi';

/**
 * The operations every configuration object of a tenant has (connections, flows, mappings,
 * sequences, notification endpoints), each with its route, its status and its OpenAPI answers
 * in one place, so that the objects' controllers cannot drift apart (docs/CONTRACT.md "API").
 * `path` is relative to the controller's; an object is named in it by a UUID `:id`.
 */

/** The `:id` of an object in the path, a UUID (anything else answers 400 or 404). */
export const ObjectIdParam = () => ApiParam({ name: 'id', format: 'uuid' });

/** POST: creates an object from the body; 201 with it. */
export const CreateObject = (type: Type<unknown>, path?: string) =>
  applyDecorators(Post(path), HttpCode(201), ApiCreatedResponse({ type }), ApiErrors([...BODY_ERRORS, 409], QUOTA));

/** GET: one object by its id. */
export const ReadObject = (type: Type<unknown>, path = ':id') =>
  applyDecorators(Get(path), ObjectIdParam(), ApiOkResponse({ type }), ApiErrors(PATH_ERRORS));

/** PUT: replaces the object with the body; 200 with it. */
export const ReplaceObject = (type: Type<unknown>, path = ':id') =>
  applyDecorators(Put(path), ObjectIdParam(), ApiOkResponse({ type }), ApiErrors([...BODY_ERRORS, 404, 409], QUOTA));

/** DELETE: removes the object; 204. */
export const DeleteObject = (path = ':id') =>
  applyDecorators(
    Delete(path),
    HttpCode(204),
    ObjectIdParam(),
    ApiNoContentResponse({ description: 'deleted' }),
    ApiErrors(PATH_ERRORS),
  );
