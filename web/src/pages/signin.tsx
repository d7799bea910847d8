// Sign-in: Cognito's hosted UI (two pools) when configured; on the local stage a marked demo picker.
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api, must } from "../api/client";
import { finishHostedSignIn, homeFor, signIn, startHostedSignIn, type Group } from "../auth";
import { ErrorNote, Loading, Page, useAction } from "../components";
import { config } from "../config";
import { t, useLang, type Key } from "../i18n";

const GROUPS: Group[] = ["buyer", "seller", "admin", "finance"];

function next(search: Record<string, string>, fallback: string): string {
  const target = search.next ?? "";
  return target.startsWith("/") && !target.startsWith("//") ? target : fallback;
}

function DemoPicker() {
  const { route, query } = useLocation();
  const action = useAction();
  const [userId, setUserId] = useState("");
  const [name, setName] = useState("");
  const [nip, setNip] = useState("");
  const [groups, setGroups] = useState<Group[]>(["seller"]);
  const go = (body: { user_id: string; name?: string; groups: Group[]; nip?: string }) =>
    action.run(async () => {
      const { user_id, name, groups } = body;
      const result = await must(api().POST("/v1/dev/token", { body: { user_id, name, groups, nip: body.nip || null } }));
      const current = signIn(result.token);
      route(next(query, homeFor(current)));
    });
  return (
    <section class="card demo" aria-labelledby="demo-title">
      <h2 id="demo-title">{t("demo_title")}</h2>
      <p class="muted">{t("demo_note")}</p>
      <ul class="stack">
        {config().demo_identities.map((d) => (
          <li key={d.user_id}>
            <button type="button" disabled={action.busy} onClick={() => go({ ...d, nip: d.nip ?? undefined })}>
              {t(`demo_${d.role}`, { name: d.name })}
            </button>
          </li>
        ))}
      </ul>
      <form
        class="form"
        onSubmit={(event) => {
          event.preventDefault();
          void go({ user_id: userId.trim(), name: name.trim() || userId.trim(), groups, nip: nip.trim() });
        }}
      >
        <fieldset>
          <legend>{t("demo_custom")}</legend>
          <label>
            {t("user_id")}
            <input required value={userId} onInput={(e) => setUserId(e.currentTarget.value)} autocomplete="off" />
          </label>
          <label>
            {t("display_name")}
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} autocomplete="off" />
          </label>
          <label>
            {t("nip")}
            <input
              value={nip}
              inputMode="numeric"
              pattern="[0-9]{18}"
              onInput={(e) => setNip(e.currentTarget.value)}
              autocomplete="off"
            />
          </label>
          <fieldset class="inline">
            <legend>{t("groups")}</legend>
            {GROUPS.map((g) => (
              <label key={g} class="check">
                <input
                  type="checkbox"
                  checked={groups.includes(g)}
                  onChange={(e) =>
                    setGroups(e.currentTarget.checked ? [...groups, g] : groups.filter((x) => x !== g))
                  }
                />
                {t(`group_${g}` as Key)}
              </label>
            ))}
          </fieldset>
          <button type="submit" class="primary" disabled={action.busy}>
            {t("sign_in")}
          </button>
        </fieldset>
      </form>
      {action.error !== undefined && <ErrorNote error={action.error} />}
    </section>
  );
}

export function SignInPage() {
  useLang();
  const cfg = config();
  const action = useAction();
  return (
    <Page title={t("signin_title")}>
      {cfg.auth && (
        <div class="stack">
          <button
            type="button"
            class="primary"
            disabled={action.busy}
            onClick={() => action.run(() => startHostedSignIn("public"))}
          >
            {t("signin_public")}
          </button>
          <button type="button" disabled={action.busy} onClick={() => action.run(() => startHostedSignIn("staff"))}>
            {t("signin_staff")}
          </button>
        </div>
      )}
      {action.error !== undefined && <ErrorNote error={action.error} />}
      {cfg.dev_sign_in && <DemoPicker />}
    </Page>
  );
}

export function CallbackPage() {
  useLang();
  const { route } = useLocation();
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    finishHostedSignIn(location.search).then(
      (current) => route(homeFor(current), true),
      (err: unknown) => setError(err),
    );
  }, []);
  return (
    <Page title={t("signing_in")}>
      {error === undefined ? (
        <Loading />
      ) : (
        <>
          <p>{t("callback_failed")}</p>
          <ErrorNote error={error} />
          <p>
            <a href="/signin">{t("sign_in")}</a>
          </p>
        </>
      )}
    </Page>
  );
}
