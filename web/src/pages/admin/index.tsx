// City admin pages (one lazily loaded chunk with the charts): curation, reference prices, roster upload
// (CSV checked in the browser, each bad row shown), quota policy, compliance, sales, fairness, settings,
// jobs, disputes, risk flags, audit search and exports.
import { useEffect, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, must, type Schemas } from "../../api/client";
import { Async, ErrorNote, Money, Notice, Page, RequireGroup, StatusBadge, useAction, useAsync } from "../../components";
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
  return (
    <nav class="tabs" aria-label={t("admin_title")}>
      <ul>
        {SECTIONS.map(([slug, key]) => (
          <li key={slug}>
            <a href={`/admin/${slug}`} aria-current={props.current === slug ? "page" : undefined}>
              {t(key)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function AdminHome() {
  useLang();
  return (
    <RequireGroup groups={["admin"]}>
      <Page title={t("admin_title")}>
        <AdminNav />
        <Compliance embedded />
      </Page>
    </RequireGroup>
  );
}

const VIEWS: Record<string, () => preact.JSX.Element> = {
  stores: Curation,
  compliance: () => <Compliance />,
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
      <label>
        {t("status")}
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value as typeof status)}>
          {(["pending", "active", "rejected", "suspended"] as const).map((s) => (
            <option key={s} value={s}>
              {tv("store_status", s)}
            </option>
          ))}
        </select>
      </label>
      {reasons.dialog}
      {action.error !== undefined && <ErrorNote error={action.error} />}
      <Async state={stores}>
        {(page) =>
          page.items.length === 0 ? (
            <p>{t("no_pending")}</p>
          ) : (
            <ul class="cards">
              {page.items.map((s) => (
                <li key={s.store_id} class="card">
                  <h2 class="h3">{s.name}</h2>
                  <p>
                    {tv("kind", s.kind)} · {s.kecamatan}, {s.kelurahan} · {s.address}
                    {s.nib ? ` · NIB ${s.nib}` : ""}
                  </p>
                  <p class="muted">{dateTime(s.created_at)}</p>
                  <div class="row">
                    {s.status === "pending" && (
                      <button type="button" class="primary" disabled={action.busy} onClick={() => decide(s.store_id, "approve")}>
                        {t("approve")} <span class="sr-only">{s.name}</span>
                      </button>
                    )}
                    {s.status === "pending" && (
                      <button type="button" disabled={action.busy} onClick={() => decide(s.store_id, "reject", s.name)}>
                        {t("reject")} <span class="sr-only">{s.name}</span>
                      </button>
                    )}
                    {s.status === "active" && (
                      <button type="button" disabled={action.busy} onClick={() => decide(s.store_id, "suspend", s.name)}>
                        {t("suspend")} <span class="sr-only">{s.name}</span>
                      </button>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          )
        }
      </Async>
    </>
  );
}

// --- compliance --------------------------------------------------------------------------------

function MonthPicker(props: { value: string; onChange: (month: string) => void }) {
  return (
    <label>
      {t("month")}
      <input type="month" value={props.value} onChange={(e) => props.onChange(e.currentTarget.value || thisMonth())} />
    </label>
  );
}

function Compliance(props: { embedded?: boolean }) {
  const [month, setMonth] = useState(thisMonth());
  const report = useAsync(() => must(api().GET("/v1/admin/compliance", { params: { query: { month } } })), [month]);
  const laggards = useAsync(
    () => must(api().GET("/v1/admin/compliance/laggards", { params: { query: { month, limit: 50 } } })),
    [month],
  );
  const Heading = props.embedded ? "h2" : "h2";
  return (
    <>
      <MonthPicker value={month} onChange={setMonth} />
      <Async state={report}>
        {(r) => (
          <section aria-labelledby="compliance-title">
            <Heading id="compliance-title">{t("compliance_chart")}</Heading>
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
            <table>
              <caption>{t("compliance_chart")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("department")}</th>
                  <th scope="col">{t("asn_count")}</th>
                  <th scope="col">{t("compliant_count")}</th>
                  <th scope="col">{t("spent")}</th>
                </tr>
              </thead>
              <tbody>
                {r.departments.map((d) => (
                  <tr key={d.department}>
                    <th scope="row">{d.department}</th>
                    <td>{d.asn_count}</td>
                    <td>{d.compliant_count}</td>
                    <td>
                      <Money idr={d.spent_idr} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </Async>
      <h2>{t("laggards")}</h2>
      <Async state={laggards}>
        {(page) => (
          <table>
            <caption class="sr-only">{t("laggards")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("display_name")}</th>
                <th scope="col">{t("department")}</th>
                <th scope="col">{t("grade")}</th>
                <th scope="col">{t("spent")}</th>
                <th scope="col">{t("quota")}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((l) => (
                <tr key={l.nip}>
                  <td>{l.name}</td>
                  <td>{l.department}</td>
                  <td>{l.grade}</td>
                  <td>
                    <Money idr={l.spent_idr} />
                  </td>
                  <td>
                    <Money idr={l.quota_idr} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
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
        <label>
          {t("group_by")}
          <select value={groupBy} onChange={(e) => setGroupBy(e.currentTarget.value as GroupBy)}>
            {(["day", "kecamatan", "category", "store"] as const).map((g) => (
              <option key={g} value={g}>
                {tv("group", g)}
              </option>
            ))}
          </select>
        </label>
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
            <table>
              <caption class="sr-only">{t("sales")}</caption>
              <thead>
                <tr>
                  <th scope="col">{tv("group", groupBy)}</th>
                  <th scope="col">{t("orders")}</th>
                  <th scope="col">{t("gmv")}</th>
                </tr>
              </thead>
              <tbody>
                {r.rows.map((row) => (
                  <tr key={row.key}>
                    <th scope="row">{row.store_name ?? row.key}</th>
                    <td>{row.orders}</td>
                    <td>
                      <Money idr={row.gmv_idr} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
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
            <dl class="facts stat-grid">
              <div>
                <dt>{t("gini")}</dt>
                <dd data-testid="gini">{report.gini.toFixed(2)}</dd>
              </div>
              <div>
                <dt>{t("top_decile")}</dt>
                <dd>{percent(report.top_decile_share)}</dd>
              </div>
              <div>
                <dt>{t("sellers_with_orders")}</dt>
                <dd>
                  {report.sellers_with_orders}/{report.sellers}
                </dd>
              </div>
              <div>
                <dt>{t("gmv")}</dt>
                <dd>
                  <Money idr={report.income_idr} />
                </dd>
              </div>
            </dl>
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
          <table>
            <caption class="sr-only">{t("reference_prices")}</caption>
            <thead>
              <tr>
                <th scope="col">SKU</th>
                <th scope="col">{t("product_name")}</th>
                <th scope="col">{t("max_price")}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((r) => (
                <tr key={r.sku}>
                  <td>
                    <code>{r.sku}</code>
                  </td>
                  <td>
                    {r.name} /{r.unit}
                  </td>
                  <td>
                    <label>
                      <span class="sr-only">
                        {t("max_price")} {r.name}
                      </span>
                      <input
                        type="number"
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
                    </label>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
      {action.error !== undefined && <ErrorNote error={action.error} />}
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
          <table>
            <caption class="sr-only">{t("problem")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("row")}</th>
                <th scope="col">{t("problem")}</th>
              </tr>
            </thead>
            <tbody>
              {check.errors.map((e, i) => (
                <tr key={i}>
                  <td>{e.row}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {check && check.errors.length === 0 && (
        <>
          <Notice kind="ok">{t("roster_ok_rows", { n: check.rows.length })}</Notice>
          <button
            type="button"
            class="primary"
            disabled={action.busy}
            onClick={() =>
              action.run(async () => {
                const result = await must(api().POST("/v1/admin/asn", { body: { rows: check.rows } }));
                setDone(result.upserted);
              })
            }
          >
            {t("upload")}
          </button>
        </>
      )}
      {done !== null && <Notice kind="ok">{t("uploaded", { n: done })}</Notice>}
      {action.error !== undefined && <ErrorNote error={action.error} />}
    </>
  );
}

function Policy() {
  const policy = useAsync(() => must(api().GET("/v1/admin/spending-policy")), []);
  const action = useAction();
  const [saved, setSaved] = useState(false);
  return (
    <Async state={policy}>
      {(p) => {
        const grades = p.quota_by_grade as Record<string, number>;
        return (
          <form
            class="form"
            onSubmit={(event) => {
              event.preventDefault();
              const form = new FormData(event.currentTarget);
              const byGrade: Record<string, number> = {};
              const lines = String(form.get("by_grade") ?? "").split("\n");
              for (const line of lines) {
                const [grade, amount] = line.split("=").map((s) => s.trim());
                if (grade && amount) byGrade[grade] = Number(amount);
              }
              setSaved(false);
              void action.run(async () => {
                policy.set(
                  await must(
                    api().PUT("/v1/admin/spending-policy", {
                      body: { default_quota_idr: Number(form.get("default")), quota_by_grade: byGrade },
                    }),
                  ),
                );
                setSaved(true);
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
            {action.error !== undefined && <ErrorNote error={action.error} />}
            {saved && <Notice kind="ok">{t("saved")}</Notice>}
            <button type="submit" class="primary" disabled={action.busy}>
              {t("save")}
            </button>
          </form>
        );
      }}
    </Async>
  );
}

function Settings() {
  const settings = useAsync(() => must(api().GET("/v1/admin/settings")), []);
  const action = useAction();
  const [saved, setSaved] = useState(false);
  return (
    <Async state={settings}>
      {(s) => (
        <form
          class="form"
          onSubmit={(event) => {
            event.preventDefault();
            const form = new FormData(event.currentTarget);
            const body: Record<string, number> = {};
            for (const key of Object.keys(s)) body[key] = Number(form.get(key));
            setSaved(false);
            void action.run(async () => {
              settings.set(await must(api().PUT("/v1/admin/settings", { body: body as Schemas["SettingsChange"] })));
              setSaved(true);
            });
          }}
        >
          {Object.entries(s).map(([key, value]) => (
            <label key={key}>
              <code>{key}</code>
              <input name={key} type="number" min={0} defaultValue={String(value)} />
            </label>
          ))}
          {action.error !== undefined && <ErrorNote error={action.error} />}
          {saved && <Notice kind="ok">{t("saved")}</Notice>}
          <button type="submit" class="primary" disabled={action.busy}>
            {t("save")}
          </button>
        </form>
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
        <table>
          <caption class="sr-only">{t("jobs")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("job")}</th>
              <th scope="col">{t("last_run")}</th>
              <th scope="col">{t("outcome")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((j) => (
              <tr key={j.job}>
                <th scope="row">{j.job}</th>
                <td>{j.last_run ? dateTime(j.last_run.started_at) : "–"}</td>
                <td>{j.last_run?.outcome ?? "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
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
      {action.error !== undefined && <ErrorNote error={action.error} />}
      <Async state={list}>
        {(page) =>
          page.items.length === 0 ? (
            <p>{t("no_disputes")}</p>
          ) : (
            <ul class="cards">
              {page.items.map((d) => (
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
                      <button type="button" disabled={action.busy} onClick={() => resolve(d.dispute_id, "refund")}>
                        {t("resolve_refund")}
                      </button>
                      <button type="button" disabled={action.busy} onClick={() => resolve(d.dispute_id, "reject")}>
                        {t("resolve_reject")}
                      </button>
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )
        }
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
      <label>
        {t("status")}
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value as typeof status)}>
          {(["open", "dismissed", "confirmed"] as const).map((v) => (
            <option key={v} value={v}>
              {tv("flag_status", v)}
            </option>
          ))}
        </select>
      </label>
      {notes.dialog}
      {action.error !== undefined && <ErrorNote error={action.error} />}
      <Async state={flags}>
        {(page) =>
          page.items.length === 0 ? (
            <p>{t("none")}</p>
          ) : (
            <ul class="cards">
              {page.items.map((f) => (
                <li key={f.flag_id} class="card">
                  <h2 class="h3">
                    {tv("rule", f.rule)} · {f.month}
                  </h2>
                  <pre class="evidence">{JSON.stringify({ subject: f.subject, evidence: f.evidence }, null, 1)}</pre>
                  {f.status === "open" && (
                    <div class="row">
                      <button type="button" disabled={action.busy} onClick={() => decide(f.flag_id, "dismiss", tv("rule", f.rule))}>
                        {t("dismiss")}
                      </button>
                      <button type="button" disabled={action.busy} onClick={() => decide(f.flag_id, "confirm", tv("rule", f.rule))}>
                        {t("confirm")}
                      </button>
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )
        }
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
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const value = (n: string) => String(form.get(n) ?? "").trim() || undefined;
          setFilters({ target_id: value("target_id"), actor_id: value("actor_id") });
        }}
      >
        <label>
          {t("target_id")}
          <input name="target_id" />
        </label>
        <label>
          {t("actor_id")}
          <input name="actor_id" />
        </label>
        <button type="submit" class="primary">
          {t("search")}
        </button>
      </form>
      <Async state={entries}>
        {(page) => (
          <table>
            <caption class="sr-only">{t("audit")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("from")}</th>
                <th scope="col">{t("actor_id")}</th>
                <th scope="col">{t("actions")}</th>
                <th scope="col">{t("target_id")}</th>
              </tr>
            </thead>
            <tbody>
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
            </tbody>
          </table>
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
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
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
        <label>
          {t("export_kind")}
          <select name="kind">
            {(["compliance", "laggards", "sales", "payouts", "audit"] as const).map((k) => (
              <option key={k} value={k}>
                {tv("export_kind", k)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("month")}
          <input name="month" type="month" defaultValue={thisMonth()} />
        </label>
        <button type="submit" class="primary" disabled={action.busy}>
          {t("create_export")}
        </button>
      </form>
      {action.error !== undefined && <ErrorNote error={action.error} />}
      {pollError !== undefined && <ErrorNote error={pollError} />}
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
