// Who is calling a tool, and what they may do. Over stdio the caller is the local user who started
// `remembrancer mcp`: full access. Over HTTP every request carries the AuthInfo that the HTTP
// handler derived from a bearer token (mcp/http.ts); a request without one is refused (fail closed).
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { InputError } from '../core/errors.js';
import { McpEdgeError } from './errors.js';

export const DEFAULT_NAMESPACE = 'default';

export interface Caller {
  /** 'local' over stdio; the token's name over HTTP (provenance). */
  principal: string;
  /** May call the tools that append receipts (`write` scope). */
  write: boolean;
  /** The namespaces this caller may see and write; null means all of them. */
  namespaces: readonly string[] | null;
  /** Namespace used when a call names none. */
  defaultNamespace: string;
  /** The MCP client's self-reported name and version (initialize), if known. */
  client?: { name: string; version: string };
}

/** What the HTTP handler puts in AuthInfo.extra (tokens.toml fields, never the token or its hash). */
export interface TokenClaims {
  name: string;
  namespaces?: string[];
  defaultNamespace?: string;
}

export const LOCAL_CALLER: Caller = { principal: 'local', write: true, namespaces: null, defaultNamespace: DEFAULT_NAMESPACE };

export function callerFromAuth(transport: 'stdio' | 'http', auth: AuthInfo | undefined): Caller {
  if (transport === 'stdio') return LOCAL_CALLER;
  if (!auth) throw new McpEdgeError('FORBIDDEN', 'this request carries no credentials', { hint: 'send Authorization: Bearer <token>' });
  const claims = (auth.extra ?? {}) as Partial<TokenClaims>;
  const namespaces = Array.isArray(claims.namespaces) && claims.namespaces.length > 0 ? claims.namespaces : null;
  return {
    principal: typeof claims.name === 'string' ? claims.name : auth.clientId,
    write: auth.scopes.includes('write'),
    namespaces,
    defaultNamespace: claims.defaultNamespace ?? namespaces?.[0] ?? DEFAULT_NAMESPACE,
  };
}

/** The namespace a call acts in: the one asked for, else the caller's default; refused if not allowed. */
export function scopeNamespace(caller: Caller, requested: string | undefined): string {
  const ns = requested ?? caller.defaultNamespace;
  if (caller.namespaces && !caller.namespaces.includes(ns)) {
    throw new McpEdgeError('FORBIDDEN', `this token may not use namespace ${JSON.stringify(ns)}`, {
      hint: `allowed: ${caller.namespaces.join(', ')}`,
    });
  }
  return ns;
}

/** Whether the caller may see a receipt in `namespace` (absent = the default namespace). */
export function canSee(caller: Caller, namespace: string | undefined): boolean {
  return caller.namespaces === null || caller.namespaces.includes(namespace ?? DEFAULT_NAMESPACE);
}

/** What a list, search or resource listing covers (service ListRequest fields). */
export interface ListScope {
  /** One namespace; absent: `default` plus kinds without a namespace (the service's default scope). */
  namespace?: string;
  allNamespaces?: true;
}

/**
 * The scope of a listing: the namespace asked for, else the caller's default; every namespace only
 * for a caller allowed every namespace. Refused (FORBIDDEN) outside the caller's allowlist.
 */
export function listScope(caller: Caller, requested: string | undefined, all: boolean | undefined): ListScope {
  if (all) {
    if (requested !== undefined) throw new InputError('BAD_INPUT', 'give namespace or allNamespaces, not both');
    if (caller.namespaces !== null) {
      throw new McpEdgeError('FORBIDDEN', 'this token may not list every namespace', { hint: `name one of its namespaces: ${caller.namespaces.join(', ')}` });
    }
    return { allNamespaces: true };
  }
  const ns = scopeNamespace(caller, requested);
  // `default` also covers receipts of kinds without a namespace (deploys…), as canSee does.
  return ns === DEFAULT_NAMESPACE ? {} : { namespace: ns };
}

/** Who made a write in this session, as far as the server knows: not part of the signed receipt. */
export interface RecordedVia {
  transport: 'stdio' | 'http';
  /** The MCP client's self-reported name (initialize clientInfo): unauthenticated. */
  client?: string;
  /** Over HTTP, the name of the bearer token (authenticated). */
  token?: string;
}

export function recordedVia(caller: Caller, transport: 'stdio' | 'http'): RecordedVia {
  return {
    transport,
    ...(caller.client ? { client: caller.client.name } : {}),
    ...(transport === 'http' ? { token: caller.principal } : {}),
  };
}
