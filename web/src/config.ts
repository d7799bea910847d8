// Runtime configuration, fetched once from /config.json (written per stage; never baked into the build).

export interface PoolConfig {
  domain: string;
  client_id: string;
}

/** One of the local picker's identities (infra/local/seed.py): `role` picks its label. */
export interface DemoIdentity {
  role: "asn" | "buyer" | "seller" | "admin" | "finance";
  user_id: string;
  name: string;
  groups: ("buyer" | "seller" | "admin" | "finance")[];
  nip: string | null;
}

export interface AppConfig {
  api_url: string;
  stage: string;
  dev_sign_in: boolean;
  auth: null | { public: PoolConfig; staff: PoolConfig };
  stripe_publishable_key: string | null;
  demo_identities: DemoIdentity[];
}

const DEFAULTS: AppConfig = { api_url: "", stage: "local", dev_sign_in: false, auth: null, stripe_publishable_key: null, demo_identities: [] };

let current: AppConfig = DEFAULTS;

export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  current = { ...DEFAULTS, ...((await response.json()) as Partial<AppConfig>) };
  return current;
}

export function config(): AppConfig {
  return current;
}
