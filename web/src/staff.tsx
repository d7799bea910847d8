// Shared pieces only the staff pages (seller, admin, finance) use, so the buyer's first bundle stays
// without them: section tabs, figures side by side, the month picker, and saving a settings form.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ErrorNote, Fact, Money, Notice, Submit, useAction } from "./components";
import { thisMonth } from "./format";
import { t, useLang, type Key } from "./i18n";

/** A page's navigation between its sections: `tabs` are [href, text]; `current` is the href shown. */
export function TabNav(props: { label: string; tabs: [string, string][]; current?: string }) {
  return (
    <nav class="tabs" aria-label={props.label}>
      <ul>
        {props.tabs.map(([href, text]) => (
          <li key={href}>
            <a href={href} aria-current={props.current === href ? "page" : undefined}>
              {text}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Figures side by side: [label, value] pairs. */
export function StatGrid(props: { stats: [string, ComponentChildren, string?][] }) {
  return (
    <dl class="facts stat-grid">
      {props.stats.map(([label, value, testId]) => (
        <div key={label}>
          <Fact term={label} testId={testId}>
            {value}
          </Fact>
        </div>
      ))}
    </dl>
  );
}

/** Amounts side by side, labelled by their message keys. */
export function MoneyStats(props: { amounts: (readonly [Key, number])[] }) {
  useLang();
  return <StatGrid stats={props.amounts.map(([k, idr]) => [t(k), <Money idr={idr} />])} />;
}

/** The month input the reports share (an emptied field means this month). */
export function MonthPicker(props: { value: string; onChange: (month: string) => void }) {
  useLang();
  return (
    <label>
      {t("month")}
      <input type="month" value={props.value} onChange={(e) => props.onChange(e.currentTarget.value || thisMonth())} />
    </label>
  );
}

/** An action that saves a form: `save(work)` runs it and says "saved" once it succeeded. */
export function useSave() {
  const action = useAction();
  const [saved, setSaved] = useState(false);
  const save = (work: () => Promise<unknown>) => {
    setSaved(false);
    void action.run(async () => {
      await work();
      setSaved(true);
    });
  };
  return { ...action, saved, save };
}

/** The end of a saving form: its error, "saved" once saved, and the save button. */
export function SaveFooter(props: { save: ReturnType<typeof useSave> }) {
  useLang();
  const { save } = props;
  return (
    <>
      <ErrorNote error={save.error} />
      {save.saved && <Notice kind="ok">{t("saved")}</Notice>}
      <Submit busy={save.busy}>{t("save")}</Submit>
    </>
  );
}
