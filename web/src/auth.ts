// Who is signed in: a bearer token kept in sessionStorage (gone when the tab closes), its claims decoded
// for display and navigation only — the API verifies every token. Two ways in: the local stage's demo
// picker (POST /v1/dev/token) and Cognito's hosted UI (authorization code + PKCE S256, ID token kept).
import { config, type PoolConfig } from "./config";
import { cell } from "./state";

export type Group = "buyer" | "seller" | "admin" | "finance";

export interface Session {
  token: string;
  expires_at: number; // epoch ms
  user_id: string;
  name: string | null;
  groups: Group[];
  nip: string | null;
}

const KEY = "peken.session";
const PKCE_KEY = "peken.pkce";

function decode(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

export function sessionFromToken(token: string): Session {
  const claims = decode(token);
  const groups = Array.isArray(claims["cognito:groups"]) ? (claims["cognito:groups"] as Group[]) : [];
  return {
    token,
    expires_at: typeof claims.exp === "number" ? claims.exp * 1000 : Date.now() + 3600_000,
    user_id: String(claims.sub ?? ""),
    name: typeof claims.name === "string" ? claims.name : null,
    groups,
    nip: typeof claims["custom:nip"] === "string" ? (claims["custom:nip"] as string) : null,
  };
}

function restore(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const session = sessionFromToken(raw);
    return session.expires_at > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export const session = cell<Session | null>(restore());

export function signIn(token: string): Session {
  const next = sessionFromToken(token);
  sessionStorage.setItem(KEY, token);
  session.set(next);
  return next;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  session.set(null);
}

export function has(s: Session | null, group: Group): boolean {
  return !!s && s.groups.includes(group);
}

/** The first page a signed-in user should see. */
export function homeFor(s: Session): string {
  if (s.groups.includes("admin")) return "/admin";
  if (s.groups.includes("finance")) return "/finance";
  if (s.groups.includes("seller") && !s.groups.includes("buyer")) return "/seller";
  return "/";
}

// --- Cognito hosted UI, authorization code with PKCE ---------------------------------------------

function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function redirectUri(): string {
  return `${location.origin}/auth/callback`;
}

export async function startHostedSignIn(pool: "public" | "staff"): Promise<void> {
  const auth = config().auth;
  if (!auth) throw new Error("no auth configured");
  const target: PoolConfig = auth[pool];
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, pool }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: target.client_id,
    redirect_uri: redirectUri(),
    scope: "openid email phone profile",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  location.assign(`https://${target.domain}/oauth2/authorize?${query}`);
}

/** Finish the hosted sign-in on /auth/callback: check state, exchange the code, keep the ID token. */
export async function finishHostedSignIn(search: string): Promise<Session> {
  const auth = config().auth;
  const params = new URLSearchParams(search);
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? "null") as
    | { verifier: string; state: string; pool: "public" | "staff" }
    | null;
  sessionStorage.removeItem(PKCE_KEY);
  const error = params.get("error");
  if (error) throw new Error(error);
  const code = params.get("code");
  if (!auth || !saved || !code || params.get("state") !== saved.state) throw new Error("invalid_state");
  const target = auth[saved.pool];
  const response = await fetch(`https://${target.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: target.client_id,
      code,
      redirect_uri: redirectUri(),
      code_verifier: saved.verifier,
    }),
  });
  if (!response.ok) throw new Error(`token exchange ${response.status}`);
  const tokens = (await response.json()) as { id_token?: string };
  if (!tokens.id_token) throw new Error("no id_token");
  return signIn(tokens.id_token);
}
