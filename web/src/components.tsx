// Shared pieces, each pattern written once: a page frame (its one h1, the document title, focus on
// navigation), async loading with visible errors, paging ("more"), money, status badges, a group gate,
// tables, card lists, labelled selects, forms and their buttons. Everything here is in the first bundle:
// nothing only staff pages use (that is staff.tsx), no charts.
import type { ComponentChildren, JSX } from "preact";
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

/** The error with its message (and a retry when given); nothing while `error` is undefined. */
export function ErrorNote(props: { error: unknown; retry?: () => void }) {
  useLang();
  if (props.error === undefined) return null;
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

/** A page component that only users in `groups` see (others are told why). */
export function guarded(groups: Group[], View: () => JSX.Element) {
  return function Guarded() {
    useLang();
    return (
      <RequireGroup groups={groups}>
        <View />
      </RequireGroup>
    );
  };
}

export interface Paged<T> {
  items: T[];
  next_cursor?: string | null;
}

/**
 * A paged list: the first page loads (again) whenever `deps` change; `loadMore` appends the next page.
 * Pages appended for other `deps` are dropped, so a new filter starts from its own first page.
 */
export function usePages<T>(load: (cursor: string | undefined) => Promise<Paged<T>>, deps: unknown[]) {
  const key = JSON.stringify(deps);
  const first = useAsync(() => load(undefined), deps);
  const [extra, setExtra] = useState<{ key: string | null; items: T[]; cursor: string | null }>({
    key: null,
    items: [],
    cursor: null,
  });
  const mine = extra.key === key;
  const items = [...(first.data?.items ?? []), ...(mine ? extra.items : [])];
  const next = mine ? extra.cursor : (first.data?.next_cursor ?? null);
  const more = useAction();
  const loadMore = () =>
    next &&
    more.run(async () => {
      const page = await load(next);
      setExtra({ key, items: [...(mine ? extra.items : []), ...page.items], cursor: page.next_cursor ?? null });
    });
  return { first, items, next, more, loadMore };
}

/** The "more" button of a paged list (while there is a next page) and the error of loading it. */
export function MoreButton(props: { pages: { next: string | null; more: { busy: boolean; error: unknown }; loadMore: () => unknown } }) {
  useLang();
  const { pages } = props;
  return (
    <>
      {pages.next && (
        <button type="button" disabled={pages.more.busy} onClick={() => pages.loadMore()}>
          {t("more")}
        </button>
      )}
      <ErrorNote error={pages.more.error} />
    </>
  );
}

/** A table with its caption (read by screen readers only unless `showCaption`) and column headers. */
export function Table(props: { caption: string; showCaption?: boolean; head: ComponentChildren[]; children: ComponentChildren }) {
  return (
    <table>
      <caption class={props.showCaption ? undefined : "sr-only"}>{props.caption}</caption>
      <thead>
        <tr>
          {props.head.map((h, i) => (
            <th key={i} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}

export function MoneyCell(props: { idr: number }) {
  return (
    <td>
      <Money idr={props.idr} />
    </td>
  );
}

/** A list of cards (or `class`), or `empty` when there are no items. */
export function Cards<T>(props: { items: T[]; empty: string; class?: string; children: (item: T) => ComponentChildren }) {
  if (props.items.length === 0) return <p>{props.empty}</p>;
  return <ul class={props.class ?? "cards"}>{props.items.map(props.children)}</ul>;
}

/** Facts as a definition list's term and description (inside a `<dl>`). */
export function Fact(props: { term: ComponentChildren; children: ComponentChildren; testId?: string }) {
  return (
    <>
      <dt>{props.term}</dt>
      <dd data-testid={props.testId}>{props.children}</dd>
    </>
  );
}

type SelectAttributes = Omit<JSX.SelectHTMLAttributes<HTMLSelectElement>, "label" | "onChange">;

/**
 * A labelled select of `options` (values), each shown as `text(value)` (the value itself by default);
 * `empty` adds a first option with the value "", `isSelected` marks options in an uncontrolled select,
 * `onPick` receives the chosen value. Other attributes go to the `<select>`.
 */
export function Select<V extends string>(
  props: SelectAttributes & {
    label: ComponentChildren;
    options: readonly V[];
    text?: (value: V) => ComponentChildren;
    empty?: string;
    isSelected?: (value: V) => boolean;
    onPick?: (value: V) => void;
  },
) {
  const { label, options, text, empty, isSelected, onPick, ...rest } = props;
  return (
    <label>
      {label}
      <select {...rest} onChange={onPick && ((e) => onPick(e.currentTarget.value as V))}>
        {empty !== undefined && <option value="">{empty}</option>}
        {options.map((v) => (
          <option key={v} value={v} selected={isSelected?.(v)}>
            {text ? text(v) : v}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The trimmed text of a form field ("" when absent). */
export function field(form: FormData, name: string): string {
  return String(form.get(name) ?? "").trim();
}

type FormAttributes = Omit<JSX.HTMLAttributes<HTMLFormElement>, "onSubmit">;

/** A form whose submit is handled here (no page load): `onSubmit` gets its fields and the element. */
export function Form(props: FormAttributes & { onSubmit: (form: FormData, element: HTMLFormElement) => void }) {
  const { onSubmit, ...rest } = props;
  return (
    <form
      {...rest}
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit(new FormData(event.currentTarget), event.currentTarget);
      }}
    />
  );
}

/** A button disabled while `busy`; `subject` (read by screen readers only) names what it acts on. */
export function ActionButton(props: {
  busy: boolean;
  onClick?: () => unknown;
  primary?: boolean;
  submit?: boolean;
  disabled?: boolean;
  subject?: string;
  children: ComponentChildren;
}) {
  return (
    <button
      type={props.submit ? "submit" : "button"}
      class={props.primary ? "primary" : undefined}
      disabled={props.busy || props.disabled}
      onClick={props.onClick && (() => void props.onClick?.())}
    >
      {props.children}
      {props.subject !== undefined && (
        <>
          {" "}
          <span class="sr-only">{props.subject}</span>
        </>
      )}
    </button>
  );
}

/** The primary submit button of a form, disabled while it is busy. */
export function Submit(props: { busy: boolean; children: ComponentChildren }) {
  return (
    <ActionButton busy={props.busy} primary submit>
      {props.children}
    </ActionButton>
  );
}

/** A number input in a table or line, labelled for screen readers only (`label` names its row). */
export function RowNumber(props: Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "label"> & { label: ComponentChildren; labelClass?: string }) {
  const { label, labelClass, ...input } = props;
  return (
    <label class={labelClass}>
      <span class="sr-only">{label}</span>
      <input type="number" {...input} />
    </label>
  );
}
