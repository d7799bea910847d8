// City admin pages (one lazily loaded chunk with the charts): curation, reference prices, roster upload
// (CSV checked in the browser, each bad row shown), quota policy, compliance, sales, fairness, settings,
// jobs, disputes, risk flags, audit search and exports.
import { useEffect, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, must, type Schemas } from "../../api/client";
import {
  ActionButton,
  Async,
  Cards,
  ErrorNote,
  Form,
  Money,
  MoneyCell,
  Notice,
  Page,
  RequireGroup,
  RowNumber,
  Select,
  StatusBadge,
  Submit,
  Table,
  field,
  useAction,
  useAsync,
} from "../../components";
import { MonthPicker, SaveFooter, StatGrid, TabNav, useSave } from "../../staff";
import { dateTime, percent, rupiah, thisMonth, today } from "../../format";
import { t, tv, useLang, type Key } from "../../i18n";
import { useReasonDialog } from "../../dialog";
import { ChartCanvas } from "./chart";
import { checkRoster, type RosterCheck } from "./roster";

const SECTIONS: [string, Key][] = [
  ["stores", "curation"],
  ["compliance", "compliance"],
  ["sales", "sales"],
  ["fairness", "fairness"],
  ["prices", "reference_prices"],
  ["roster", "roster"],
  ["policy", "policy"],
  ["settings", "settings"],
  ["jobs", "jobs"],
  ["disputes", "disputes"],
  ["risk", "risk_flags"],
  ["audit", "audit"],
  ["exports", "exports"],
];

function AdminNav(props: { current?: string }) {
  const tabs = SECTIONS.map(([slug, key]): [string, string] => [`/admin/${slug}`, t(key)]);
  return <TabNav label={t("admin_title")} tabs={tabs} current={props.current && `/admin/${props.current}`} />;
}

export function AdminHome() {
  useLang();
  return (
    <RequireGroup groups={["admin"]}>
      <Page title={t("admin_title")}>
        <AdminNav />
        <Compliance />
      </Page>
    </RequireGroup>
  );
}

const VIEWS: Record<string, () => preact.JSX.Element> = {
  stores: Curation,
  compliance: Compliance,
  sales: Sales,
  fairness: Fairness,
  prices: Prices,
  roster: Roster,
  policy: Policy,
  settings: Settings,
  jobs: Jobs,
  disputes: Disputes,
  risk: Risk,
  audit: Audit,
  exports: Exports,
};

export function AdminSection() {
  useLang();
  const { params } = useRoute();
  const slug = params.section ?? "";
  const entry = SECTIONS.find(([s]) => s === slug);
  const View = VIEWS[slug];
  return (
    <RequireGroup groups={["admin"]}>
      <Page title={entry ? t(entry[1]) : t("not_found")}>
        <AdminNav current={slug} />
        {View ? <View /> : <p>{t("not_found_body")}</p>}
      </Page>
    </RequireGroup>
  );
}

// --- curation ----------------------------------------------------------------------------------

function Curation() {
  const [status, setStatus] = useState<Schemas["Store"]["status"]>("pending");
  const stores = useAsync(() => must(api().GET("/v1/admin/stores", { params: { query: { status, limit: 100 } } })), [status]);
  const action = useAction();
  const reasons = useReasonDialog();
  const decide = async (id: string, what: "approve" | "reject" | "suspend", name = "") => {
    // Ask first (the buttons stay enabled, so focus can return to the one that asked), then act.
    const reason = what === "approve" ? "" : await reasons.ask(t("reason_for", { action: t(what), subject: name }), t("reason"), t(what));
    if (reason === null) return;
    await action.run(async () => {
      const path = { params: { path: { store_id: id } } };
      if (what === "approve") await must(api().POST("/v1/admin/stores/{store_id}/approve", path));
      else {
        if (what === "reject") await must(api().POST("/v1/admin/stores/{store_id}/reject", { ...path, body: { reason } }));
        else await must(api().POST("/v1/admin/stores/{store_id}/suspend", { ...path, body: { reason } }));
      }
      stores.reload();
    });
  };
  return (
    <>
      <Select
        label={t("status")}
        value={status}
        options={["pending", "active", "rejected", "suspended"] as const}
        text={(s) => tv("store_status", s)}
        onPick={setStatus}
      />
      {reasons.dialog}
      <ErrorNote error={action.error} />
      <Async state={stores}>
        {(page) => (
          <Cards items={page.items} empty={t("no_pending")}>
            {(s) => (
                <li key={s.store_id} class="card">
                  <h2 class="h3">{s.name}</h2>
                  <p>
                    {tv("kind", s.kind)} · {s.kecamatan}, {s.kelurahan} · {s.address}
                    {s.nib ? ` · NIB ${s.nib}` : ""}
                  </p>
                  <p class="muted">{dateTime(s.created_at)}</p>
                  <div class="row">
                    {s.status === "pending" && (
                      <ActionButton busy={action.busy} primary subject={s.name} onClick={() => decide(s.store_id, "approve")}>
                        {t("approve")}
                      </ActionButton>
                    )}
                    {s.status === "pending" && (
                      <ActionButton busy={action.busy} subject={s.name} onClick={() => decide(s.store_id, "reject", s.name)}>
                        {t("reject")}
                      </ActionButton>
                    )}
                    {s.status === "active" && (
                      <ActionButton busy={action.busy} subject={s.name} onClick={() => decide(s.store_id, "suspend", s.name)}>
                        {t("suspend")}
                      </ActionButton>
                    )}
                  </div>
                </li>
            )}
          </Cards>
        )}
      </Async>
    </>
  );
}

// --- compliance --------------------------------------------------------------------------------

function Compliance() {
  const [month, setMonth] = useState(thisMonth());
  const report = useAsync(() => must(api().GET("/v1/admin/compliance", { params: { query: { month } } })), [month]);
  const laggards = useAsync(
    () => must(api().GET("/v1/admin/compliance/laggards", { params: { query: { month, limit: 50 } } })),
    [month],
  );
  return (
    <>
      <MonthPicker value={month} onChange={setMonth} />
      <Async state={report}>
        {(r) => (
          <section aria-labelledby="compliance-title">
            <h2 id="compliance-title">{t("compliance_chart")}</h2>
            <p>
              {t("compliant_count")}: {r.compliant_count}/{r.asn_count} ·{" "}
              {r.asn_count ? percent(r.compliant_count / r.asn_count) : "–"} · {t("spent")}: <Money idr={r.spent_idr} />
            </p>
            <ChartCanvas
              label={t("compliance_chart")}
              testId="compliance-chart"
              config={{
                type: "bar",
                data: {
                  labels: r.departments.map((d) => d.department),
                  datasets: [
                    { label: t("compliant_count"), data: r.departments.map((d) => d.compliant_count), backgroundColor: "#0b5d3b" },
                    {
                      label: t("laggards"),
                      data: r.departments.map((d) => d.asn_count - d.compliant_count),
                      backgroundColor: "#c2410c",
                    },
                  ],
                },
                options: { indexAxis: "y", scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true } } },
              }}
            />
            <Table
              caption={t("compliance_chart")}
              showCaption
              head={[t("department"), t("asn_count"), t("compliant_count"), t("spent")]}
            >
              {r.departments.map((d) => (
                <tr key={d.department}>
                  <th scope="row">{d.department}</th>
                  <td>{d.asn_count}</td>
                  <td>{d.compliant_count}</td>
                  <MoneyCell idr={d.spent_idr} />
                </tr>
              ))}
            </Table>
          </section>
        )}
      </Async>
      <h2>{t("laggards")}</h2>
      <Async state={laggards}>
        {(page) => (
          <Table caption={t("laggards")} head={[t("display_name"), t("department"), t("grade"), t("spent"), t("quota")]}>
            {page.items.map((l) => (
              <tr key={l.nip}>
                <td>{l.name}</td>
                <td>{l.department}</td>
                <td>{l.grade}</td>
                <MoneyCell idr={l.spent_idr} />
                <MoneyCell idr={l.quota_idr} />
              </tr>
            ))}
          </Table>
        )}
      </Async>
    </>
  );
}

// --- sales and fairness ------------------------------------------------------------------------

function monthStart(): string {
  return `${thisMonth()}-01`;
}

type GroupBy = "day" | "kecamatan" | "category" | "store";

function Sales() {
  const [from, setFrom] = useState(monthStart());
  const [to, setTo] = useState(today());
  const [groupBy, setGroupBy] = useState<GroupBy>("day");
  const report = useAsync(
    () => must(api().GET("/v1/admin/reports/sales", { params: { query: { from, to, group_by: groupBy } } })),
    [from, to, groupBy],
  );
  return (
    <>
      <div class="filters">
        <label>
          {t("from")}
          <input type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          {t("to")}
          <input type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </label>
        <Select
          label={t("group_by")}
          value={groupBy}
          options={["day", "kecamatan", "category", "store"] as const}
          text={(g) => tv("group", g)}
          onPick={setGroupBy}
        />
      </div>
      <Async state={report}>
        {(r) => (
          <>
            <ChartCanvas
              label={`${t("sales")} · ${tv("group", groupBy)}`}
              testId="sales-chart"
              config={{
                type: "bar",
                data: {
                  labels: r.rows.map((row) => row.store_name ?? row.key),
                  datasets: [{ label: t("gmv"), data: r.rows.map((row) => row.gmv_idr), backgroundColor: "#0b5d3b" }],
                },
                options: { scales: { y: { ticks: { callback: (v) => rupiah(Number(v)) } } } },
              }}
            />
            <Table caption={t("sales")} head={[tv("group", groupBy), t("orders"), t("gmv")]}>
              {r.rows.map((row) => (
                <tr key={row.key}>
                  <th scope="row">{row.store_name ?? row.key}</th>
                  <td>{row.orders}</td>
                  <MoneyCell idr={row.gmv_idr} />
                </tr>
              ))}
            </Table>
          </>
        )}
      </Async>
    </>
  );
}

/** Lorenz curve points (cumulative share of sellers, cumulative share of income), sellers poorest first. */
export function lorenz(incomes: number[]): [number, number][] {
  const sorted = [...incomes].sort((a, b) => a - b);
  const total = sorted.reduce((a, b) => a + b, 0);
  const points: [number, number][] = [[0, 0]];
  let running = 0;
  sorted.forEach((income, i) => {
    running += income;
    points.push([(i + 1) / sorted.length, total ? running / total : 0]);
  });
  return points;
}

function Fairness() {
  const [month, setMonth] = useState(thisMonth());
  const data = useAsync(async () => {
    const report = await must(api().GET("/v1/admin/reports/fairness", { params: { query: { month } } }));
    const from = `${month}-01`;
    const [y, m] = month.split("-").map(Number) as [number, number];
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const sales = await must(
      api().GET("/v1/admin/reports/sales", { params: { query: { from, to: `${month}-${last}`, group_by: "store" } } }),
    );
    const incomes = sales.rows.map((r) => r.gmv_idr);
    // Sellers without orders earn 0: they belong at the bottom of the curve.
    for (let i = incomes.length; i < report.sellers; i++) incomes.push(0);
    return { report, points: lorenz(incomes) };
  }, [month]);
  return (
    <>
      <MonthPicker value={month} onChange={setMonth} />
      <Async state={data}>
        {({ report, points }) => (
          <>
            <StatGrid
              stats={[
                [t("gini"), report.gini.toFixed(2), "gini"],
                [t("top_decile"), percent(report.top_decile_share)],
                [t("sellers_with_orders"), `${report.sellers_with_orders}/${report.sellers}`],
                [t("gmv"), <Money idr={report.income_idr} />],
              ]}
            />
            <ChartCanvas
              label={t("lorenz")}
              testId="lorenz-chart"
              config={{
                type: "line",
                data: {
                  labels: points.map(([x]) => percent(x)),
                  datasets: [
                    { label: t("lorenz"), data: points.map(([, y]) => y), borderColor: "#0b5d3b", backgroundColor: "rgba(11,93,59,0.15)", fill: true },
                    { label: "=", data: points.map(([x]) => x), borderColor: "#595959", borderDash: [4, 4], pointRadius: 0 },
                  ],
                },
                options: { scales: { y: { min: 0, max: 1, ticks: { callback: (v) => percent(Number(v)) } } } },
              }}
            />
            <p class="muted">{t("lorenz_note")}</p>
          </>
        )}
      </Async>
    </>
  );
}

// --- reference prices, roster, policy, settings ------------------------------------------------

function Prices() {
  const list = useAsync(() => must(api().GET("/v1/reference-prices")), []);
  const action = useAction();
  return (
    <>
      <Async state={list}>
        {(page) => (
          <Table caption={t("reference_prices")} head={["SKU", t("product_name"), t("max_price")]}>
              {page.items.map((r) => (
                <tr key={r.sku}>
                  <td>
                    <code>{r.sku}</code>
                  </td>
                  <td>
                    {r.name} /{r.unit}
                  </td>
                  <td>
                    <RowNumber
                        label={`${t("max_price")} ${r.name}`}
                        min={1}
                        class="narrow"
                        defaultValue={String(r.max_price_idr)}
                        onChange={(e) => {
                          const max = Number(e.currentTarget.value);
                          void action.run(async () => {
                            await must(
                              api().PUT("/v1/admin/reference-prices/{sku}", {
                                params: { path: { sku: r.sku } },
                                body: { name: r.name, unit: r.unit, max_price_idr: max, words: r.words },
                              }),
                            );
                          });
                        }}
                    />
                  </td>
                </tr>
              ))}
          </Table>
        )}
      </Async>
      <ErrorNote error={action.error} />
    </>
  );
}

function Roster() {
  const [check, setCheck] = useState<RosterCheck | null>(null);
  const [done, setDone] = useState<number | null>(null);
  const action = useAction();
  return (
    <>
      <p class="muted" id="roster-help">
        {t("roster_help")}
      </p>
      <label>
        {t("roster_file")}
        <input
          type="file"
          accept=".csv,text/csv"
          aria-describedby="roster-help"
          onChange={async (e) => {
            setDone(null);
            const file = e.currentTarget.files?.[0];
            setCheck(file ? checkRoster(await file.text()) : null);
          }}
        />
      </label>
      {check && check.errors.length > 0 && (
        <div role="alert">
          <p class="notice error">{t("roster_bad_rows", { n: new Set(check.errors.map((e) => e.row)).size })}</p>
          <Table caption={t("problem")} head={[t("row"), t("problem")]}>
            {check.errors.map((e, i) => (
              <tr key={i}>
                <td>{e.row}</td>
                <td>{e.message}</td>
              </tr>
            ))}
          </Table>
        </div>
      )}
      {check && check.errors.length === 0 && (
        <>
          <Notice kind="ok">{t("roster_ok_rows", { n: check.rows.length })}</Notice>
          <ActionButton
            busy={action.busy}
            primary
            onClick={() =>
              action.run(async () => {
                const result = await must(api().POST("/v1/admin/asn", { body: { rows: check.rows } }));
                setDone(result.upserted);
              })
            }
          >
            {t("upload")}
          </ActionButton>
        </>
      )}
      {done !== null && <Notice kind="ok">{t("uploaded", { n: done })}</Notice>}
      <ErrorNote error={action.error} />
    </>
  );
}

function Policy() {
  const policy = useAsync(() => must(api().GET("/v1/admin/spending-policy")), []);
  const save = useSave();
  return (
    <Async state={policy}>
      {(p) => {
        const grades = p.quota_by_grade as Record<string, number>;
        return (
          <Form
            class="form"
            onSubmit={(form) => {
              const byGrade: Record<string, number> = {};
              for (const line of field(form, "by_grade").split("\n")) {
                const [grade, amount] = line.split("=").map((s) => s.trim());
                if (grade && amount) byGrade[grade] = Number(amount);
              }
              save.save(async () => {
                const body = { default_quota_idr: Number(form.get("default")), quota_by_grade: byGrade };
                policy.set(await must(api().PUT("/v1/admin/spending-policy", { body })));
              });
            }}
          >
            <label>
              {t("default_quota")}
              <input name="default" type="number" min={0} required defaultValue={String(p.default_quota_idr)} />
            </label>
            <label>
              {t("quota_by_grade")} (IV/a=500000)
              <textarea
                name="by_grade"
                rows={5}
                defaultValue={Object.entries(grades)
                  .map(([g, v]) => `${g}=${v}`)
                  .join("\n")}
              />
            </label>
            <SaveFooter save={save} />
          </Form>
        );
      }}
    </Async>
  );
}

function Settings() {
  const settings = useAsync(() => must(api().GET("/v1/admin/settings")), []);
  const save = useSave();
  return (
    <Async state={settings}>
      {(s) => (
        <Form
          class="form"
          onSubmit={(form) => {
            const body: Record<string, number> = {};
            for (const key of Object.keys(s)) body[key] = Number(form.get(key));
            save.save(async () => {
              settings.set(await must(api().PUT("/v1/admin/settings", { body: body as Schemas["SettingsChange"] })));
            });
          }}
        >
          {Object.entries(s).map(([key, value]) => (
            <label key={key}>
              <code>{key}</code>
              <input name={key} type="number" min={0} defaultValue={String(value)} />
            </label>
          ))}
          <SaveFooter save={save} />
        </Form>
      )}
    </Async>
  );
}

// --- operations: jobs, disputes, risk, audit, exports ------------------------------------------

function Jobs() {
  const jobs = useAsync(() => must(api().GET("/v1/admin/jobs")), []);
  return (
    <Async state={jobs}>
      {(list) => (
        <Table caption={t("jobs")} head={[t("job"), t("last_run"), t("outcome")]}>
          {list.items.map((j) => (
            <tr key={j.job}>
              <th scope="row">{j.job}</th>
              <td>{j.last_run ? dateTime(j.last_run.started_at) : "–"}</td>
              <td>{j.last_run?.outcome ?? "–"}</td>
            </tr>
          ))}
        </Table>
      )}
    </Async>
  );
}

function Disputes() {
  const list = useAsync(() => must(api().GET("/v1/admin/disputes", { params: { query: { limit: 50 } } })), []);
  const action = useAction();
  const notes = useReasonDialog();
  const resolve = async (id: string, outcome: "refund" | "reject") => {
    const label = t(outcome === "refund" ? "resolve_refund" : "resolve_reject");
    const note = await notes.ask(t("reason_for", { action: label, subject: id.slice(-6) }), t("note"), label);
    if (!note) return;
    await action.run(async () => {
      await must(api().POST("/v1/admin/disputes/{dispute_id}/resolve", { params: { path: { dispute_id: id } }, body: { outcome, note } }));
      list.reload();
    });
  };
  return (
    <>
      {notes.dialog}
      <ErrorNote error={action.error} />
      <Async state={list}>
        {(page) => (
          <Cards items={page.items} empty={t("no_disputes")}>
            {(d) => (
                <li key={d.dispute_id} class="card">
                  <h2 class="h3">
                    <a href={`/disputes/${d.dispute_id}`}>{d.dispute_id.slice(-6)}</a> · {tv("dispute_reason", d.reason)}
                  </h2>
                  <p>
                    <StatusBadge prefix="dispute" value={d.status} /> · <Money idr={d.requested_refund_idr} /> ·{" "}
                    {dateTime(d.created_at)}
                  </p>
                  <p>{d.description}</p>
                  {(d.status === "contested" || d.status === "open") && (
                    <div class="row">
                      <ActionButton busy={action.busy} onClick={() => resolve(d.dispute_id, "refund")}>
                        {t("resolve_refund")}
                      </ActionButton>
                      <ActionButton busy={action.busy} onClick={() => resolve(d.dispute_id, "reject")}>
                        {t("resolve_reject")}
                      </ActionButton>
                    </div>
                  )}
                </li>
            )}
          </Cards>
        )}
      </Async>
    </>
  );
}

function Risk() {
  const [status, setStatus] = useState<"open" | "dismissed" | "confirmed">("open");
  const flags = useAsync(() => must(api().GET("/v1/admin/risk-flags", { params: { query: { status, limit: 50 } } })), [status]);
  const action = useAction();
  const notes = useReasonDialog();
  const decide = async (id: string, decision: "dismiss" | "confirm", rule = "") => {
    const note = await notes.ask(t("reason_for", { action: t(decision), subject: rule }), t("note"), t(decision));
    if (!note) return;
    await action.run(async () => {
      await must(api().POST("/v1/admin/risk-flags/{flag_id}/decide", { params: { path: { flag_id: id } }, body: { decision, note } }));
      flags.reload();
    });
  };
  return (
    <>
      <Select
        label={t("status")}
        value={status}
        options={["open", "dismissed", "confirmed"] as const}
        text={(v) => tv("flag_status", v)}
        onPick={setStatus}
      />
      {notes.dialog}
      <ErrorNote error={action.error} />
      <Async state={flags}>
        {(page) => (
          <Cards items={page.items} empty={t("none")}>
            {(f) => (
                <li key={f.flag_id} class="card">
                  <h2 class="h3">
                    {tv("rule", f.rule)} · {f.month}
                  </h2>
                  <pre class="evidence">{JSON.stringify({ subject: f.subject, evidence: f.evidence }, null, 1)}</pre>
                  {f.status === "open" && (
                    <div class="row">
                      <ActionButton busy={action.busy} onClick={() => decide(f.flag_id, "dismiss", tv("rule", f.rule))}>
                        {t("dismiss")}
                      </ActionButton>
                      <ActionButton busy={action.busy} onClick={() => decide(f.flag_id, "confirm", tv("rule", f.rule))}>
                        {t("confirm")}
                      </ActionButton>
                    </div>
                  )}
                </li>
            )}
          </Cards>
        )}
      </Async>
    </>
  );
}

function Audit() {
  const [filters, setFilters] = useState<{ target_id?: string; actor_id?: string }>({});
  const entries = useAsync(
    () => must(api().GET("/v1/admin/audit", { params: { query: { ...filters, limit: 50 } } })),
    [filters.target_id, filters.actor_id],
  );
  return (
    <>
      <Form
        class="filters"
        role="search"
        onSubmit={(form) => setFilters({ target_id: field(form, "target_id") || undefined, actor_id: field(form, "actor_id") || undefined })}
      >
        <label>
          {t("target_id")}
          <input name="target_id" />
        </label>
        <label>
          {t("actor_id")}
          <input name="actor_id" />
        </label>
        <Submit busy={false}>{t("search")}</Submit>
      </Form>
      <Async state={entries}>
        {(page) => (
          <Table caption={t("audit")} head={[t("from"), t("actor_id"), t("actions"), t("target_id")]}>
            {page.items.map((a) => (
              <tr key={a.audit_id}>
                <td>{dateTime(a.at)}</td>
                <td>{a.actor_id}</td>
                <td>{a.action}</td>
                <td>
                  {a.target_type} <code>{a.target_id}</code>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Async>
    </>
  );
}

type ExportKind = Schemas["NewExport"]["kind"];
const EXPORT_FINAL: Schemas["Export"]["status"][] = ["done", "failed"];

function Exports() {
  const [made, setMade] = useState<Schemas["Export"][]>([]);
  const [pollError, setPollError] = useState<unknown>(undefined);
  const action = useAction();
  const waiting = made.filter((e) => !EXPORT_FINAL.includes(e.status)).map((e) => e.export_id);
  // Poll the unfinished exports (1 s, then slower) until each is done or failed.
  useEffect(() => {
    if (waiting.length === 0) return;
    let tries = 0;
    let timer = 0;
    let live = true;
    const tick = async () => {
      try {
        const fresh = await Promise.all(
          waiting.map((id) => must(api().GET("/v1/admin/exports/{export_id}", { params: { path: { export_id: id } } }))),
        );
        if (!live) return;
        setPollError(undefined);
        setMade((list) => list.map((e) => fresh.find((f) => f.export_id === e.export_id) ?? e));
      } catch (err) {
        if (live) setPollError(err);
      }
      tries += 1;
      if (live) timer = window.setTimeout(tick, Math.min(1000 * 2 ** Math.floor(tries / 5), 8000));
    };
    timer = window.setTimeout(tick, 1000);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [waiting.join(",")]);
  return (
    <>
      <Form
        class="filters"
        onSubmit={(form) => {
          void action.run(async () => {
            const queued = await must(
              api().POST("/v1/admin/exports", {
                body: { kind: String(form.get("kind")) as ExportKind, month: String(form.get("month") || thisMonth()) },
              }),
            );
            const full = await must(api().GET("/v1/admin/exports/{export_id}", { params: { path: { export_id: queued.export_id } } }));
            setMade((list) => [full, ...list]);
          });
        }}
      >
        <Select
          label={t("export_kind")}
          name="kind"
          options={["compliance", "laggards", "sales", "payouts", "audit"] as const}
          text={(k) => tv("export_kind", k)}
        />
        <label>
          {t("month")}
          <input name="month" type="month" defaultValue={thisMonth()} />
        </label>
        <Submit busy={action.busy}>{t("create_export")}</Submit>
      </Form>
      <ErrorNote error={action.error} />
      <ErrorNote error={pollError} />
      <ul class="lines" aria-live="polite">
        {made.map((e) => (
          <li key={e.export_id} class="line">
            {tv("export_kind", e.kind)} · <StatusBadge prefix="export" value={e.status} />
            {e.status === "done" && ` · ${t("rows", { n: e.rows ?? 0 })}`}
            {e.status === "failed" && e.error ? ` · ${e.error}` : ""}
            {e.status === "done" && e.url && (
              <>
                {" · "}
                <a href={e.url} download>
                  {t("download")} <span class="sr-only">{tv("export_kind", e.kind)}</span>
                </a>
              </>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
