// Finance (the city treasury): payout batches (build, approve), the bank file, the bank's results, the money report.
import { useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, must } from "../../api/client";
import {
  ActionButton,
  Async,
  ErrorNote,
  MoneyCell,
  Money,
  Notice,
  Page,
  RequireGroup,
  StatusBadge,
  Table,
  useAction,
  useAsync,
} from "../../components";
import { MoneyStats, MonthPicker, TabNav } from "../../staff";
import { dateTime, thisMonth } from "../../format";
import { t, tv, useLang } from "../../i18n";
import { parseCsv } from "../admin/roster";
import { downloadWithToken } from "../seller/index";

function FinanceNav() {
  const tabs: [string, string][] = [
    ["/finance", t("batches")],
    ["/finance/money", t("money_report")],
  ];
  return <TabNav label={t("finance_title")} tabs={tabs} />;
}

export function FinanceHome() {
  useLang();
  const batches = useAsync(() => must(api().GET("/v1/admin/payout-batches", { params: { query: { limit: 50 } } })), []);
  const action = useAction();
  const [nothing, setNothing] = useState(false);
  return (
    <RequireGroup groups={["finance", "admin"]}>
      <Page title={t("batches")}>
        <FinanceNav />
        <ActionButton
          busy={action.busy}
          primary
          onClick={() =>
            action.run(async () => {
              const run = await must(api().POST("/v1/admin/payouts/run", {}));
              setNothing(!run.batch_id);
              batches.reload();
            })
          }
        >
          {t("run_payouts")}
        </ActionButton>
        {nothing && <Notice>{t("nothing_due")}</Notice>}
        <ErrorNote error={action.error} />
        <Async state={batches}>
          {(page) =>
            page.items.length === 0 ? (
              <p>{t("none")}</p>
            ) : (
              <Table caption={t("batches")} head={[t("batch", { id: "" }), t("status"), t("payouts"), t("total")]}>
                {page.items.map((b) => (
                  <tr key={b.batch_id}>
                    <td>
                      <a href={`/finance/batches/${b.batch_id}`}>{dateTime(b.created_at)}</a>
                    </td>
                    <td>
                      <StatusBadge prefix="batch_status" value={b.status} />
                    </td>
                    <td>{b.payout_count}</td>
                    <MoneyCell idr={b.total_idr} />
                  </tr>
                ))}
              </Table>
            )
          }
        </Async>
      </Page>
    </RequireGroup>
  );
}

export function FinanceBatch() {
  useLang();
  const { params } = useRoute();
  const id = params.id ?? "";
  const path = { params: { path: { batch_id: id } } };
  const batch = useAsync(() => must(api().GET("/v1/admin/payout-batches/{batch_id}", path)), [id]);
  const action = useAction();
  const [recorded, setRecorded] = useState(false);
  return (
    <RequireGroup groups={["finance", "admin"]}>
      <Page title={t("batch", { id: id.slice(-6) })}>
        <FinanceNav />
        <ErrorNote error={action.error} />
        <Async state={batch}>
          {(b) => (
            <>
              <p>
                <StatusBadge prefix="batch_status" value={b.status} /> · {b.payout_count} · <Money idr={b.total_idr} />
              </p>
              <div class="row">
                {b.status === "pending_approval" && (
                  <ActionButton
                    busy={action.busy}
                    primary
                    onClick={() =>
                      action.run(async () => {
                        await must(api().POST("/v1/admin/payout-batches/{batch_id}/approve", path));
                        batch.reload();
                      })
                    }
                  >
                    {t("approve")}
                  </ActionButton>
                )}
                <ActionButton
                  busy={action.busy}
                  onClick={() => action.run(() => downloadWithToken(`/v1/admin/payout-batches/${id}/file`, `batch-${id}.csv`))}
                >
                  {t("bank_file")}
                </ActionButton>
              </div>
              <Table caption={t("payouts")} head={["ID", t("store"), t("total"), t("status")]}>
                {b.payouts.map((p) => (
                  <tr key={p.payout_id}>
                    <td>
                      <code>{p.payout_id}</code>
                    </td>
                    <td>{p.store_id}</td>
                    <MoneyCell idr={p.amount_idr} />
                    <td>
                      {tv("method", p.method)} · <StatusBadge prefix="payout_status" value={p.status} />
                    </td>
                  </tr>
                ))}
              </Table>
              {b.status === "processing" && (
                <label>
                  {t("results_file")}
                  <input
                    type="file"
                    accept=".csv,text/csv"
                    onChange={async (e) => {
                      const file = e.currentTarget.files?.[0];
                      if (!file) return;
                      const records = parseCsv(await file.text());
                      const header = (records[0] ?? []).map((h) => h.trim());
                      const col = (r: string[], name: string) => (r[header.indexOf(name)] ?? "").trim();
                      const results = records.slice(1).map((r) => ({
                        payout_id: col(r, "payout_id"),
                        status: col(r, "status") as "paid" | "failed",
                        reference: col(r, "reference") || null,
                        reason: col(r, "reason") || null,
                      }));
                      setRecorded(false);
                      const ok = await action.run(() =>
                        must(api().POST("/v1/admin/payout-batches/{batch_id}/results", { ...path, body: { results } })),
                      );
                      if (ok) {
                        setRecorded(true);
                        batch.reload();
                      }
                    }}
                  />
                </label>
              )}
              {recorded && <Notice kind="ok">{t("saved")}</Notice>}
            </>
          )}
        </Async>
      </Page>
    </RequireGroup>
  );
}

export function FinanceMoney() {
  useLang();
  const [month, setMonth] = useState(thisMonth());
  const report = useAsync(() => must(api().GET("/v1/admin/reports/money", { params: { query: { month } } })), [month]);
  return (
    <RequireGroup groups={["finance", "admin"]}>
      <Page title={t("money_report")}>
        <FinanceNav />
        <MonthPicker value={month} onChange={setMonth} />
        <Async state={report}>
          {(r) => (
            <MoneyStats
              amounts={[
                ["charged", r.charged_idr],
                ["refunded", r.refunded_idr],
                ["pending_idr", r.pending_idr],
                ["available_idr", r.available_idr],
                ["in_payout_idr", r.in_payout_idr],
                ["paid_out_idr", r.paid_out_idr],
                ["difference", r.difference_idr],
              ]}
            />
          )}
        </Async>
      </Page>
    </RequireGroup>
  );
}
