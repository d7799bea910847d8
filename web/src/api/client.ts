// The API client: openapi-fetch over types generated from /v1/openapi.json (src/api/schema.d.ts), so a
// renamed field or path fails `tsc`, not a user. Adds the bearer token; a 401 ends the session.
import createClient, { type Middleware } from "openapi-fetch";
import { session, signOut } from "../auth";
import { config } from "../config";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Client = ReturnType<typeof createClient<paths>>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const current = session.get();
    if (current && !request.headers.has("Authorization")) request.headers.set("Authorization", `Bearer ${current.token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401 && session.get()) signOut();
    return response;
  },
};

let client: Client | null = null;

export function api(): Client {
  if (!client) {
    client = createClient<paths>({ baseUrl: config().api_url });
    client.use(auth);
  }
  return client;
}

/** Unwrap an openapi-fetch result: the data, or an ApiError carrying the API's error body. */
export async function must<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) {
    const body = (error ?? {}) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
    throw new ApiError(
      response.status,
      body.error?.code ?? "http_error",
      body.error?.message ?? `HTTP ${response.status}`,
      body.error?.details ?? {},
    );
  }
  return data as T;
}

export function newKey(): string {
  return crypto.randomUUID();
}
