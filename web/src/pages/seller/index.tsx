// Seller pages (one lazily loaded chunk): stores and applying, settings, products with the reference price
// beside the price, the order queue (accept, ready, complete with the buyer's handover code), money, disputes.
import { useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, must, type Schemas } from "../../api/client";
import { has, session } from "../../auth";
import {
  ActionButton,
  Async,
  Cards,
  ErrorNote,
  Form,
  MoneyCell,
  Money,
  MoreButton,
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
  usePages,
} from "../../components";
import { MoneyStats, MonthPicker, SaveFooter, TabNav, useSave } from "../../staff";
import { config } from "../../config";
import { categories, categoryName, wilayah } from "../../data";
import { dateTime, rupiah, thisMonth } from "../../format";
import { t, tv, useLang, type Key } from "../../i18n";
import { useCell } from "../../state";
import { OrderDetail } from "../buyer/orders";
import { DisputeThread } from "../dispute";

type Kind = Schemas["StoreApplication"]["kind"];
type Category = Schemas["NewProduct"]["category"];
const KINDS: Kind[] = ["toko_kelontong", "umkm", "swk"];

function sellerOnly(children: preact.ComponentChildren) {
  return <RequireGroup groups={["seller", "admin"]}>{children}</RequireGroup>;
}

function useStore(id: string) {
  return useAsync(() => must(api().GET("/v1/stores/{store_id}", { params: { path: { store_id: id } } })), [id]);
}

function StoreTabs(props: { id: string }) {
  const { path } = useLocation();
  const tabs: [string, Key][] = [
    [`/seller/stores/${props.id}`, "settings_title"],
    [`/seller/stores/${props.id}/products`, "products_manage"],
    [`/seller/stores/${props.id}/orders`, "order_queue"],
    [`/seller/stores/${props.id}/money`, "money_title"],
    [`/seller/stores/${props.id}/disputes`, "store_disputes"],
  ];
  return <TabNav label={t("store")} tabs={tabs.map(([href, key]) => [href, t(key)])} current={path} />;
}

export function SellerHome() {
  useLang();
  const stores = useAsync(() => must(api().GET("/v1/me/stores")), []);
  return sellerOnly(
    <Page title={t("seller_title")}>
      <Async state={stores}>
        {(page) => (
          <Cards items={page.items} empty={t("no_stores")}>
            {(s) => (
                <li key={s.store_id} class="card">
                  <h2 class="h3">
                    {s.status === "active" ? <a href={`/seller/stores/${s.store_id}`}>{s.name}</a> : s.name}
                  </h2>
                  <p>
                    <StatusBadge prefix="store_status" value={s.status} /> · {tv("kind", s.kind)} · {s.kecamatan}
                  </p>
                  {s.reason && <p class="muted">{s.reason}</p>}
                  {s.status === "active" && (
                    <p class="row">
                      <a href={`/seller/stores/${s.store_id}/orders`}>{t("order_queue")}</a>
                      <a href={`/seller/stores/${s.store_id}/products`}>{t("products_manage")}</a>
                    </p>
                  )}
                </li>
            )}
          </Cards>
        )}
      </Async>
      <p>
        <a class="button primary" href="/seller/apply">
          {t("apply_title")}
        </a>
      </p>
    </Page>,
  );
}

export function SellerApply() {
  useLang();
  const areas = useAsync(wilayah, []);
  const [kecamatan, setKecamatan] = useState("");
  const [done, setDone] = useState<Schemas["Store"] | null>(null);
  const action = useAction();
  const kelurahan = areas.data?.find((k) => k.kecamatan === kecamatan)?.kelurahan ?? [];
  return sellerOnly(
    <Page title={t("apply_title")}>
      {done ? (
        <Notice kind="ok">
          {t("apply_done")} <a href="/seller">{t("seller_title")}</a>
        </Notice>
      ) : (
        <Form
          class="form"
          onSubmit={(form) => {
            const text = (name: string) => field(form, name);
            void action.run(async () => {
              setDone(
                await must(
                  api().POST("/v1/stores", {
                    body: {
                      name: text("name"),
                      kind: text("kind") as Kind,
                      kecamatan: text("kecamatan"),
                      kelurahan: text("kelurahan"),
                      address: text("address"),
                      phone_number: text("phone_number"),
                      nib: text("nib") || null,
                    },
                  }),
                ),
              );
            });
          }}
        >
          <label>
            {t("store_name")}
            <input name="name" required maxLength={120} />
          </label>
          <Select label={t("store_kind")} name="kind" required options={KINDS} text={(k) => tv("kind", k)} />
          <Select
            label={t("kecamatan")}
            name="kecamatan"
            required
            value={kecamatan}
            empty="—"
            options={areas.data?.map((k) => k.kecamatan) ?? []}
            onPick={setKecamatan}
          />
          <Select label={t("kelurahan")} name="kelurahan" required empty="—" options={kelurahan.map((k) => k.name)} />
          <label>
            {t("address")}
            <input name="address" required autocomplete="street-address" />
          </label>
          <label>
            {t("phone")}
            <input name="phone_number" type="tel" required autocomplete="tel" placeholder="08…" />
          </label>
          <label>
            {t("nib")}
            <input name="nib" inputMode="numeric" />
          </label>
          <ErrorNote error={action.error} />
          <Submit busy={action.busy}>{t("apply_submit")}</Submit>
        </Form>
      )}
    </Page>,
  );
}

export function SellerStore() {
  useLang();
  const { params } = useRoute();
  const id = params.id ?? "";
  const store = useStore(id);
  const areas = useAsync(wilayah, []);
  const save = useSave();
  return sellerOnly(
    <Async state={store}>
      {(s) => (
        <Page title={s.name}>
          <StoreTabs id={id} />
          <h2>{t("settings_title")}</h2>
          <Form
            class="form"
            onSubmit={(form) => {
              const free = field(form, "free_from_idr");
              save.save(async () => {
                store.set(
                  await must(
                    api().PATCH("/v1/stores/{store_id}", {
                      params: { path: { store_id: id } },
                      body: {
                        open: form.get("open") === "on",
                        pickup: form.get("pickup") === "on",
                        delivery: {
                          enabled: form.get("delivery") === "on",
                          fee_idr: Number(form.get("fee_idr") ?? 0),
                          free_from_idr: free ? Number(free) : null,
                          kecamatan: form.getAll("areas").map(String),
                        },
                      },
                    }),
                  ),
                );
              });
            }}
          >
            <label class="check">
              <input type="checkbox" name="open" defaultChecked={s.open} />
              {t("open_now")}
            </label>
            <label class="check">
              <input type="checkbox" name="pickup" defaultChecked={s.pickup} />
              {t("offers_pickup")}
            </label>
            <fieldset>
              <legend>{t("delivery")}</legend>
              <label class="check">
                <input type="checkbox" name="delivery" defaultChecked={s.delivery.enabled} />
                {t("offers_delivery")}
              </label>
              <label>
                {t("delivery_fee")} (Rp)
                <input name="fee_idr" type="number" min={0} step={500} defaultValue={String(s.delivery.fee_idr)} />
              </label>
              <label>
                {t("free_delivery_from", { amount: "" }).trim()} (Rp)
                <input
                  name="free_from_idr"
                  type="number"
                  min={0}
                  step={1000}
                  defaultValue={s.delivery.free_from_idr == null ? "" : String(s.delivery.free_from_idr)}
                />
              </label>
              <Select
                label={t("delivery_areas")}
                name="areas"
                multiple
                size={6}
                options={areas.data?.map((k) => k.kecamatan) ?? []}
                isSelected={(k) => s.delivery.kecamatan.includes(k)}
              />
            </fieldset>
            <SaveFooter save={save} />
          </Form>
        </Page>
      )}
    </Async>,
  );
}

function NewProductForm(props: { storeId: string; onCreated: () => void }) {
  const refs = useAsync(() => must(api().GET("/v1/reference-prices")), []);
  const cats = useAsync(categories, []);
  const [sku, setSku] = useState("");
  const [packSize, setPackSize] = useState(1);
  const action = useAction();
  const ref = refs.data?.items.find((r) => r.sku === sku);
  return (
    <Form
      class="form card"
      aria-labelledby="new-product"
      onSubmit={(form, target) => {
        const text = (name: string) => field(form, name);
        void action.run(async () => {
          await must(
            api().POST("/v1/stores/{store_id}/products", {
              params: { path: { store_id: props.storeId } },
              body: {
                name: text("name"),
                category: text("category") as Category,
                unit: text("unit"),
                price_idr: Number(text("price_idr")),
                stock: Number(text("stock")),
                reference_sku: sku || null,
                reference_quantity: sku ? packSize : null,
                description: text("description") || null,
              },
            }),
          );
          target.reset();
          setSku("");
          props.onCreated();
        });
      }}
    >
      <h2 id="new-product">{t("new_product")}</h2>
      <label>
        {t("product_name")}
        <input name="name" required maxLength={120} />
      </label>
      <Select
        label={t("category")}
        name="category"
        required
        options={cats.data?.map((c) => c.id) ?? []}
        text={(id) => categoryName(cats.data, id)}
      />
      <Select
        label={t("reference_sku")}
        name="reference_sku"
        value={sku}
        empty={t("reference_none")}
        options={refs.data?.items.map((r) => r.sku) ?? []}
        text={(code) => {
          const r = refs.data?.items.find((x) => x.sku === code);
          return r ? `${r.name} (${rupiah(r.max_price_idr)}/${r.unit})` : code;
        }}
        onPick={setSku}
      />
      {ref && (
        <label>
          {t("reference_quantity")}
          <input
            type="number"
            min={0.01}
            step="any"
            value={packSize}
            onInput={(e) => setPackSize(Number(e.currentTarget.value) || 1)}
          />
        </label>
      )}
      <label>
        {t("unit")}
        <input name="unit" required maxLength={32} defaultValue={ref?.unit ?? ""} key={ref?.sku ?? "none"} />
      </label>
      <div class="price-field">
        <label>
          {t("price")}
          <input
            name="price_idr"
            type="number"
            required
            min={1}
            aria-describedby={ref ? "ref-price" : undefined}
          />
        </label>
        {ref && (
          <p id="ref-price" class="ref-price">
            {t("reference_price")}: {t("reference_max", { amount: rupiah(ref.max_price_idr * packSize), unit: ref.unit })}
            {packSize !== 1 ? ` (${packSize} × ${rupiah(ref.max_price_idr)})` : ""}
          </p>
        )}
      </div>
      <label>
        {t("stock")}
        <input name="stock" type="number" required min={0} />
      </label>
      <label>
        {t("description")}
        <textarea name="description" rows={2} maxLength={1000} />
      </label>
      <ErrorNote error={action.error} />
      <Submit busy={action.busy}>{t("add_product")}</Submit>
    </Form>
  );
}

export function SellerProducts() {
  useLang();
  const { params } = useRoute();
  const id = params.id ?? "";
  const store = useStore(id);
  const products = useAsync(
    () =>
      must(
        api().GET("/v1/stores/{store_id}/products", {
          params: { path: { store_id: id }, query: { include_hidden: "true", limit: 100 } },
        }),
      ),
    [id],
  );
  const action = useAction();
  const change = (productId: string, body: Schemas["ProductChange"]) =>
    action.run(async () => {
      await must(api().PATCH("/v1/products/{product_id}", { params: { path: { product_id: productId } }, body }));
      products.reload();
    });
  return sellerOnly(
    <Page title={`${t("products_manage")} · ${store.data?.name ?? ""}`}>
      <StoreTabs id={id} />
      <Async state={products}>
        {(page) => (
          <Table caption={t("products_manage")} head={[t("product_name"), t("price"), t("stock"), t("actions")]}>
              {page.items.map((p) => (
                <tr key={p.product_id}>
                  <td>
                    {p.name} <span class="muted">/{p.unit}</span>
                    {(!p.active || p.hidden_reason) && <span class="badge"> {p.hidden_reason ?? t("hidden")}</span>}
                  </td>
                  <MoneyCell idr={p.price_idr} />
                  <td>
                    <RowNumber
                      label={`${t("stock")} ${p.name}`}
                      min={0}
                      class="narrow"
                      defaultValue={String(p.stock)}
                      onChange={(e) => change(p.product_id, { stock: Number(e.currentTarget.value) })}
                    />
                  </td>
                  <td>
                    <button
                      type="button"
                      class="link-button"
                      disabled={action.busy || p.hidden_reason === "taken_down"}
                      onClick={() => change(p.product_id, { active: !p.active })}
                    >
                      {p.active ? t("hide") : t("show")} <span class="sr-only">{p.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
          </Table>
        )}
      </Async>
      <ErrorNote error={action.error} />
      <NewProductForm storeId={id} onCreated={products.reload} />
    </Page>,
  );
}

function QueueItem(props: { order: Schemas["Order"]; onChanged: () => void }) {
  const o = props.order;
  const [code, setCode] = useState("");
  const action = useAction();
  const step = (name: "accept" | "ready") =>
    action.run(async () => {
      const path = { params: { path: { order_id: o.order_id } } };
      await must(name === "accept" ? api().POST("/v1/orders/{order_id}/accept", path) : api().POST("/v1/orders/{order_id}/ready", path));
      props.onChanged();
    });
  return (
    <li class="card">
      <h2 class="h3">
        {o.order_id.slice(-6)} · <Money idr={o.total_idr} /> · {dateTime(o.created_at)}
      </h2>
      <details>
        <summary>{t("view")}</summary>
        <OrderDetail order={o} />
      </details>
      <p>
        <StatusBadge prefix="status" value={o.status} /> · {o.fulfillment.method === "pickup" ? t("pickup") : t("delivery")}
        {o.fulfillment.contact?.phone_number ? ` · ${o.fulfillment.contact.phone_number}` : ""}
      </p>
      <div class="row">
        {o.status === "paid" && (
          <ActionButton busy={action.busy} primary subject={o.order_id.slice(-6)} onClick={() => step("accept")}>
            {t("accept")}
          </ActionButton>
        )}
        {o.status === "accepted" && (
          <ActionButton busy={action.busy} primary subject={o.order_id.slice(-6)} onClick={() => step("ready")}>
            {t("mark_ready")}
          </ActionButton>
        )}
        {o.status === "ready" && (
          <Form
            class="row"
            onSubmit={() => {
              void action.run(async () => {
                await must(
                  api().POST("/v1/orders/{order_id}/complete", {
                    params: { path: { order_id: o.order_id } },
                    body: { handover_code: code.trim() },
                  }),
                );
                props.onChanged();
              });
            }}
          >
            <label>
              {t("buyer_code")} ({o.order_id.slice(-6)})
              <input
                value={code}
                onInput={(e) => setCode(e.currentTarget.value)}
                inputMode="numeric"
                pattern="[0-9]{6}"
                maxLength={6}
                required
                autocomplete="off"
                class="narrow"
              />
            </label>
            <Submit busy={action.busy}>{t("complete")}</Submit>
          </Form>
        )}
      </div>
      <ErrorNote error={action.error} />
    </li>
  );
}

const QUEUE: Schemas["Order"]["status"][] = ["paid", "accepted", "ready", "completed", "cancelled"];

export function SellerOrders() {
  useLang();
  const { params } = useRoute();
  const id = params.id ?? "";
  const store = useStore(id);
  const [status, setStatus] = useState<Schemas["Order"]["status"] | "">("");
  const orders = useAsync(
    () =>
      must(
        api().GET("/v1/stores/{store_id}/orders", {
          params: { path: { store_id: id }, query: { status: status || undefined, limit: 50 } },
        }),
      ),
    [id, status],
  );
  return sellerOnly(
    <Page title={`${t("order_queue")} · ${store.data?.name ?? ""}`}>
      <StoreTabs id={id} />
      <Select label={t("status")} value={status} empty={t("all")} options={QUEUE} text={(s) => tv("status", s)} onPick={setStatus} />
      <button type="button" onClick={orders.reload}>
        {t("retry")}
      </button>
      <Async state={orders}>
        {(page) => (
          <Cards
            items={page.items.filter((o) => o.status !== "awaiting_payment" || status === "awaiting_payment")}
            empty={t("no_orders")}
          >
            {(o) => <QueueItem key={`${o.order_id}-${o.status}`} order={o} onChanged={orders.reload} />}
          </Cards>
        )}
      </Async>
    </Page>,
  );
}

export function SellerMoney() {
  useLang();
  const { params } = useRoute();
  const id = params.id ?? "";
  const store = useStore(id);
  const [month, setMonth] = useState(thisMonth());
  const balance = useAsync(() => must(api().GET("/v1/stores/{store_id}/balance", { params: { path: { store_id: id } } })), [id]);
  const statement = useAsync(
    () =>
      must(api().GET("/v1/stores/{store_id}/statement", { params: { path: { store_id: id }, query: { month } } })).then(
        (s) => (typeof s === "string" ? null : s),
      ),
    [id, month],
  );
  const payouts = useAsync(() => must(api().GET("/v1/stores/{store_id}/payouts", { params: { path: { store_id: id } } })), [id]);
  return sellerOnly(
    <Page title={`${t("money_title")} · ${store.data?.name ?? ""}`}>
      <StoreTabs id={id} />
      <Async state={balance}>
        {(b) => <MoneyStats amounts={(["pending_idr", "available_idr", "in_payout_idr", "paid_out_idr"] as const).map((k) => [k, b[k]])} />}
      </Async>
      <h2>{t("statement")}</h2>
      <div class="row">
        <MonthPicker value={month} onChange={setMonth} />
        <a
          href={`/v1/stores/${id}/statement?month=${month}&format=csv`}
          onClick={(event) => {
            event.preventDefault();
            void downloadWithToken(`/v1/stores/${id}/statement?month=${month}&format=csv`, `statement-${month}.csv`);
          }}
        >
          {t("download_csv")}
        </a>
      </div>
      <Async state={statement}>
        {(s) =>
          s && (
          <>
            <p>
              {t("opening")}: <Money idr={s.opening_balance_idr} /> · {t("closing")}: <Money idr={s.closing_balance_idr} />
            </p>
            <Table caption={t("statement")} head={[t("from"), t("status"), t("total"), t("closing")]}>
              {s.entries.map((e, i) => (
                <tr key={i}>
                  <td>{dateTime(e.at)}</td>
                  <td>{tv("entry", e.kind)}</td>
                  <MoneyCell idr={e.amount_idr} />
                  <MoneyCell idr={e.balance_idr} />
                </tr>
              ))}
            </Table>
          </>
          )
        }
      </Async>
      <h2>{t("payouts")}</h2>
      <Async state={payouts}>
        {(page) => (
          <Cards items={page.items} empty={t("none")} class="lines">
            {(p) => (
              <li key={p.payout_id} class="line">
                {dateTime(p.created_at)} · <Money idr={p.amount_idr} /> · {tv("method", p.method)} ·{" "}
                <StatusBadge prefix="payout_status" value={p.status} />
                {p.failure_reason ? ` (${p.failure_reason})` : ""}
              </li>
            )}
          </Cards>
        )}
      </Async>
    </Page>,
  );
}

type DisputeStatus = Schemas["DisputeSummary"]["status"];
const DISPUTE_STATUSES: DisputeStatus[] = ["open", "contested", "seller_accepted", "resolved_refund", "resolved_rejected"];

/** The store's disputes, newest first (GET /v1/stores/{store_id}/disputes), each linking to its page. */
export function SellerDisputes() {
  useLang();
  const { params } = useRoute();
  const id = params.id ?? "";
  const store = useStore(id);
  const [status, setStatus] = useState<DisputeStatus | "">("");
  const pages = usePages(
    (cursor) =>
      must(
        api().GET("/v1/stores/{store_id}/disputes", {
          params: { path: { store_id: id }, query: { status: status || undefined, limit: 20, cursor } },
        }),
      ),
    [id, status],
  );
  return sellerOnly(
    <Page title={`${t("store_disputes")} · ${store.data?.name ?? ""}`}>
      <StoreTabs id={id} />
      <Select
        label={t("status")}
        value={status}
        empty={t("all")}
        options={DISPUTE_STATUSES}
        text={(s) => tv("dispute", s)}
        onPick={setStatus}
      />
      <Async state={pages.first}>
        {() => (
          <Cards items={pages.items} empty={t("no_disputes")}>
            {(d) => (
                <li key={d.dispute_id} class="card">
                  <h2 class="h3">
                    <a href={`/disputes/${d.dispute_id}`}>
                      {tv("dispute_reason", d.reason)} · {dateTime(d.created_at)}
                    </a>
                  </h2>
                  <p>
                    <StatusBadge prefix="dispute" value={d.status} /> · {t("requested_refund")}{" "}
                    <Money idr={d.requested_refund_idr} />
                  </p>
                  <p>{d.description}</p>
                  {d.status === "open" && (
                    <p class="muted">
                      {t("respond_by")}: {dateTime(d.respond_by)}
                    </p>
                  )}
                </li>
            )}
          </Cards>
        )}
      </Async>
      <MoreButton pages={pages} />
    </Page>,
  );
}

/** Fetch a file the API guards with the bearer token and hand it to the browser as a download. */
export async function downloadWithToken(path: string, filename: string): Promise<void> {
  const current = session.get();
  const response = await fetch(`${config().api_url}${path}`, {
    headers: current ? { Authorization: `Bearer ${current.token}` } : {},
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function DisputePage() {
  useLang();
  const { params } = useRoute();
  const id = params.id ?? "";
  const current = useCell(session);
  const dispute = useAsync(() => must(api().GET("/v1/disputes/{dispute_id}", { params: { path: { dispute_id: id } } })), [id]);
  const action = useAction();
  const [reason, setReason] = useState("");
  const path = { params: { path: { dispute_id: id } } };
  return (
    <RequireGroup groups={["buyer", "seller", "admin"]}>
      <Async state={dispute}>
        {(d) => (
          <Page title={`${t("disputes")} ${d.dispute_id.slice(-6)}`}>
            <p>
              <a href={`/orders/${d.order_id}`}>{t("view")}</a>
              {has(current, "seller") && (
                <>
                  {" · "}
                  <a href={`/seller/stores/${d.store_id}/disputes`}>{t("store_disputes")}</a>
                </>
              )}
            </p>
            {has(current, "seller") && d.status === "open" && (
              <div class="row">
                <ActionButton
                  busy={action.busy}
                  primary
                  onClick={() =>
                    action.run(async () => {
                      dispute.set(await must(api().POST("/v1/disputes/{dispute_id}/accept", path)));
                    })
                  }
                >
                  {t("accept_refund")}
                </ActionButton>
                <Form
                  class="row"
                  onSubmit={() => {
                    void action.run(async () => {
                      dispute.set(await must(api().POST("/v1/disputes/{dispute_id}/contest", { ...path, body: { reason } })));
                    });
                  }}
                >
                  <label>
                    {t("contest_reason")}
                    <input required maxLength={1000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
                  </label>
                  <ActionButton busy={action.busy} submit>
                    {t("contest")}
                  </ActionButton>
                </Form>
              </div>
            )}
            <ErrorNote error={action.error} />
            <DisputeThread dispute={d} onChanged={dispute.set} />
          </Page>
        )}
      </Async>
    </RequireGroup>
  );
}
