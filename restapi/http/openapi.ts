/**
 * The OpenAPI 3 description of the API, generated from the route declarations and their zod
 * schemas (`z.toJSONSchema`): the schemas that validate a request are the ones documented.
 */
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { COMPONENTS } from '../schemas/documents.js';
import { ERROR_CATALOGUE } from './errors.js';
import type { AnyRoute } from './route.js';
import { API_PREFIX } from './send.js';
import { API_VERSIONS, LATEST_API_VERSION } from './versioning.js';

type Json = Record<string, unknown>;
type Io = 'input' | 'output';

function toJson(schema: z.ZodType, io: Io): Json {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Json;
  delete json.$schema;
  return json;
}

function shapeOf(schema: z.ZodType | undefined): Record<string, z.ZodType> {
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};
}

const ERROR_HEADERS: Record<number, Json> = {
  401: { 'WWW-Authenticate': { description: 'Basic realm="workty"', schema: { type: 'string' } } },
  405: { Allow: { description: 'The methods the path accepts', schema: { type: 'string' } } },
  429: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
};

export interface OpenApiInfo {
  /** The package version (shown in the description). */
  serverVersion: string;
}

/** Builds the document; done once when the server is made. */
export function buildOpenApi(routes: readonly AnyRoute[], info: OpenApiInfo): Json {
  const components: Json & { schemas: Record<string, Json> } = { schemas: {} };
  const names = new Map<z.ZodType, string>();
  for (const [name, schema] of COMPONENTS) {
    components.schemas[name] = toJson(schema, 'output');
    names.set(schema, name);
  }
  const schemaOf = (schema: z.ZodType, io: Io): Json => {
    const name = names.get(schema);
    if (name !== undefined) return { $ref: `#/components/schemas/${name}` };
    if (schema instanceof z.ZodArray) {
      const item = names.get(schema.element as z.ZodType);
      if (item !== undefined) return { type: 'array', items: { $ref: `#/components/schemas/${item}` } };
    }
    return toJson(schema, io);
  };
  const parameter = (name: string, where: 'path' | 'query', schema: z.ZodType): Json => {
    const json = toJson(schema, 'input');
    const description = json.description;
    delete json.description;
    const out: Json = { name, in: where, required: where === 'path' || !schema.safeParse(undefined).success, schema: json };
    if (description !== undefined) out.description = description;
    return out;
  };

  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const parameters: Json[] = [
      ...Object.entries(shapeOf(route.params)).map(([name, schema]) => parameter(name, 'path', schema)),
      ...Object.entries(shapeOf(route.query)).map(([name, schema]) => parameter(name, 'query', schema)),
      { $ref: '#/components/parameters/AcceptVersion' },
    ];
    const responses: Record<string, Json> = {};
    for (const [status, doc] of Object.entries(route.responses)) {
      const response: Json = { description: doc.description };
      if (doc.schema !== undefined) response.content = { 'application/json': { schema: schemaOf(doc.schema, 'output') } };
      if (doc.contentType !== undefined) response.content = { [doc.contentType]: { schema: { type: 'string', format: 'binary' } } };
      if (doc.headers !== undefined) {
        response.headers = Object.fromEntries(Object.entries(doc.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]));
      }
      responses[status] = response;
    }
    for (const status of route.errors) {
      const response: Json = {
        description: STATUS_CODES[status] ?? String(status),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
      if (ERROR_HEADERS[status] !== undefined) response.headers = ERROR_HEADERS[status];
      responses[String(status)] = response;
    }
    const operation: Json = {
      operationId: route.name,
      summary: route.summary,
      tags: [route.tag],
      security: route.public === true ? [] : [{ basic: [] }],
      parameters,
      responses,
    };
    if (route.permission !== undefined) operation['x-permission'] = `${route.permission[0]}:${route.permission[1]}`;
    if (route.body !== undefined) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(route.body, 'input') } } };
    }
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }

  return {
    openapi: '3.0.3',
    info: {
      title: 'Workty REST API',
      version: LATEST_API_VERSION,
      description: [
        `Workty server ${info.serverVersion}. HTTP Basic (email:password) on every route but health and this document.`,
        'JSON in and out; errors are {"error": {code, message, error_link, errors?}} (codes: x-error-codes).',
        'Lists take sort, fields, page_num, per_page, count (header Records-count), embed and equality filters;',
        'pretty=false gives compact JSON. A POST with X-Http-Method-Override: PUT or DELETE is served as that method.',
      ].join(' '),
    },
    servers: [{ url: API_PREFIX }],
    security: [{ basic: [] }],
    paths,
    components: {
      ...components,
      securitySchemes: { basic: { type: 'http', scheme: 'basic', description: 'email:password' } },
      parameters: {
        AcceptVersion: {
          name: 'Accept-Version', in: 'header', required: false,
          description: `Dated API version or range (${API_VERSIONS.join(', ')}); none = latest; unknown = 400`,
          schema: { type: 'string' },
        },
      },
    },
    'x-error-codes': Object.fromEntries(Object.entries(ERROR_CATALOGUE).map(([code, meaning]) => [code, meaning])),
  };
}
