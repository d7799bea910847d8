// Runtime configuration, fetched once from /config.json (written per stage; never baked into the build).

export interface PoolConfig {
  domain: string;
  client_id: string;
}

export interface AppConfig {
  api_url: string;
  stage: string;
  dev_sign_in: boolean;
  auth: null | { public: PoolConfig; staff: PoolConfig };
  stripe_publishable_key: string | null;
}

const DEFAULTS: AppConfig = { api_url: "", stage: "local", dev_sign_in: false, auth: null, stripe_publishable_key: null };

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
