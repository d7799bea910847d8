// Home: an ASN's spending this month against the quota (a labelled progress bar with the figures in text).
import { api, must, type Schemas } from "../../api/client";
import { has, session } from "../../auth";
import { Async, Page, useAsync } from "../../components";
import { rupiah, thisMonth } from "../../format";
import { t, useLang } from "../../i18n";
import { useCell } from "../../state";

export function SpendingBar(props: { spending: Schemas["MySpending"] }) {
  const s = props.spending;
  const percent = s.quota_idr > 0 ? Math.min(100, Math.round((s.spent_idr / s.quota_idr) * 100)) : 100;
  const text = t("spending_text", { spent: rupiah(s.spent_idr), quota: rupiah(s.quota_idr) });
  return (
    <section class="card spending" aria-labelledby="spending-title">
      <h2 id="spending-title">{t("spending_label", { month: s.month })}</h2>
      <div
        class="progress"
        role="progressbar"
        aria-labelledby="spending-title"
        aria-valuemin={0}
        aria-valuemax={s.quota_idr}
        aria-valuenow={Math.min(s.spent_idr, s.quota_idr)}
        aria-valuetext={text}
      >
        <div class={`progress-fill${s.compliant ? " done" : ""}`} style={{ width: `${percent}%` }} />
      </div>
      <p class="spending-text" data-testid="spending-text">
        <strong>{text}</strong>
      </p>
      <p>{s.compliant ? t("spending_done") : t("spending_remaining", { remaining: rupiah(s.remaining_idr) })}</p>
      <p class="muted">{t("spending_orders", { n: s.orders })}</p>
    </section>
  );
}

function BuyerHome() {
  const me = useAsync(() => must(api().GET("/v1/me")), []);
  const spending = useAsync(
    () =>
      must(api().GET("/v1/me")).then((profile) =>
        profile.asn ? must(api().GET("/v1/me/spending", { params: { query: { month: thisMonth() } } })) : null,
      ),
    [],
  );
  return (
    <Page title={t("home_title")}>
      <Async state={me}>{(profile) => <p>{profile.name ?? profile.user_id}</p>}</Async>
      <Async state={spending}>{(s) => (s ? <SpendingBar spending={s} /> : <p>{t("not_asn")}</p>)}</Async>
      <p>
        <a class="button primary" href="/products">
          {t("shop_now")}
        </a>
      </p>
    </Page>
  );
}

export function HomePage() {
  useLang();
  const current = useCell(session);
  if (current && has(current, "buyer")) return <BuyerHome />;
  return (
    <Page title={t("home_guest")}>
      <p>{t("home_guest_body")}</p>
      <p class="row">
        <a class="button primary" href="/products">
          {t("shop_now")}
        </a>
        {!current && <a href="/signin">{t("sign_in")}</a>}
      </p>
    </Page>
  );
}
