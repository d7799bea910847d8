// Shared pieces: a page frame (its one h1, the document title, focus on navigation), async loading with
// visible errors, money, status badges and a group gate.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api/client";
import { has, session, type Group } from "./auth";
import { rupiah } from "./format";
import { t, tv, useLang } from "./i18n";
import { useCell } from "./state";

export function Page(props: { title: string; children: ComponentChildren; lead?: ComponentChildren }) {
  useLang();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Peken`;
  }, [props.title]);
  useEffect(() => {
    // Move focus to the new page's heading after client-side navigation (not on the first load).
    if (document.body.dataset.navigated) heading.current?.focus({ preventScroll: false });
    document.body.dataset.navigated = "1";
  }, []);
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {props.title}
      </h1>
      {props.lead}
      {props.children}
    </>
  );
}

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  set: (value: T) => void;
}

export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(undefined);
    load().then(
      (value) => live && (setData(value), setLoading(false)),
      (err: unknown) => live && (setError(err), setLoading(false)),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload, set: setData };
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export function Loading() {
  useLang();
  return (
    <p class="muted" role="status">
      {t("loading")}
    </p>
  );
}

export function ErrorNote(props: { error: unknown; retry?: () => void }) {
  useLang();
  return (
    <div class="notice error" role="alert">
      <p>
        <strong>{t("error")}:</strong> {errorText(props.error)}
      </p>
      {props.retry && (
        <button type="button" onClick={props.retry}>
          {t("retry")}
        </button>
      )}
    </div>
  );
}

/** Render `children(data)` once loaded; a status line while loading; the error with a retry. */
export function Async<T>(props: { state: AsyncState<T>; children: (data: T) => ComponentChildren }) {
  const { state } = props;
  if (state.error !== undefined) return <ErrorNote error={state.error} retry={state.reload} />;
  if (state.data === undefined) return <Loading />;
  return <>{props.children(state.data)}</>;
}

export function Money(props: { idr: number }) {
  return <span class="money">{rupiah(props.idr)}</span>;
}

export function StatusBadge(props: { prefix: string; value: string }) {
  useLang();
  return <span class={`badge badge-${props.value}`}>{tv(props.prefix, props.value)}</span>;
}

export function Notice(props: { kind?: "ok" | "error" | "info"; children: ComponentChildren }) {
  return (
    <div class={`notice ${props.kind ?? "info"}`} role={props.kind === "error" ? "alert" : "status"}>
      {props.children}
    </div>
  );
}

/** Only for users in one of `groups`; others see why. */
export function RequireGroup(props: { groups: Group[]; children: ComponentChildren }) {
  useLang();
  const current = useCell(session);
  if (!current)
    return (
      <Page title={t("sign_in")}>
        <p>
          <a href={`/signin?next=${encodeURIComponent(location.pathname)}`}>{t("sign_in")}</a>
        </p>
      </Page>
    );
  if (!props.groups.some((g) => has(current, g)))
    return (
      <Page title={t("forbidden")}>
        <p>{t("forbidden")}</p>
      </Page>
    );
  return <>{props.children}</>;
}

/** A button that runs an async action, disabled while it runs, reporting its error. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(undefined) };
}
