// Seller pages (one lazily loaded chunk): stores and applying, settings, products with the reference price
// beside the price, the order queue (accept, ready, complete with the buyer's handover code), money, disputes.
import { useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, must, type Schemas } from "../../api/client";
import { has, session } from "../../auth";
import { Async, ErrorNote, Money, Notice, Page, RequireGroup, StatusBadge, useAction, useAsync } from "../../components";
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
  return (
    <nav class="tabs" aria-label={t("store")}>
      <ul>
        {tabs.map(([href, key]) => (
          <li key={href}>
            <a href={href} aria-current={path === href ? "page" : undefined}>
              {t(key)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function SellerHome() {
  useLang();
  const stores = useAsync(() => must(api().GET("/v1/me/stores")), []);
  return sellerOnly(
    <Page title={t("seller_title")}>
      <Async state={stores}>
        {(page) =>
          page.items.length === 0 ? (
            <p>{t("no_stores")}</p>
          ) : (
            <ul class="cards">
              {page.items.map((s) => (
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
              ))}
            </ul>
          )
        }
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
        <form
          class="form"
          onSubmit={(event) => {
            event.preventDefault();
            const form = new FormData(event.currentTarget);
            const text = (name: string) => String(form.get(name) ?? "").trim();
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
          <label>
            {t("store_kind")}
            <select name="kind" required>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {tv("kind", k)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("kecamatan")}
            <select name="kecamatan" required value={kecamatan} onChange={(e) => setKecamatan(e.currentTarget.value)}>
              <option value="">—</option>
              {areas.data?.map((k) => (
                <option key={k.kode} value={k.kecamatan}>
                  {k.kecamatan}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("kelurahan")}
            <select name="kelurahan" required>
              <option value="">—</option>
              {kelurahan.map((k) => (
                <option key={k.kode} value={k.name}>
                  {k.name}
                </option>
              ))}
            </select>
          </label>
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
          {action.error !== undefined && <ErrorNote error={action.error} />}
          <button type="submit" class="primary" disabled={action.busy}>
            {t("apply_submit")}
          </button>
        </form>
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
  const action = useAction();
  const [saved, setSaved] = useState(false);
  return sellerOnly(
    <Async state={store}>
      {(s) => (
        <Page title={s.name}>
          <StoreTabs id={id} />
          <h2>{t("settings_title")}</h2>
          <form
            class="form"
            onSubmit={(event) => {
              event.preventDefault();
              const form = new FormData(event.currentTarget);
              const free = String(form.get("free_from_idr") ?? "").trim();
              setSaved(false);
              void action.run(async () => {
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
                setSaved(true);
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
              <label>
                {t("delivery_areas")}
                <select name="areas" multiple size={6}>
                  {areas.data?.map((k) => (
                    <option key={k.kode} value={k.kecamatan} selected={s.delivery.kecamatan.includes(k.kecamatan)}>
                      {k.kecamatan}
                    </option>
                  ))}
                </select>
              </label>
            </fieldset>
            {action.error !== undefined && <ErrorNote error={action.error} />}
            {saved && <Notice kind="ok">{t("saved")}</Notice>}
            <button type="submit" class="primary" disabled={action.busy}>
              {t("save")}
            </button>
          </form>
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
    <form
      class="form card"
      aria-labelledby="new-product"
      onSubmit={(event) => {
        event.preventDefault();
        const target = event.currentTarget;
        const form = new FormData(target);
        const text = (name: string) => String(form.get(name) ?? "").trim();
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
      <label>
        {t("category")}
        <select name="category" required>
          {cats.data?.map((c) => (
            <option key={c.id} value={c.id}>
              {categoryName(cats.data, c.id)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("reference_sku")}
        <select name="reference_sku" value={sku} onChange={(e) => setSku(e.currentTarget.value)}>
          <option value="">{t("reference_none")}</option>
          {refs.data?.items.map((r) => (
            <option key={r.sku} value={r.sku}>
              {r.name} ({rupiah(r.max_price_idr)}/{r.unit})
            </option>
          ))}
        </select>
      </label>
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
      {action.error !== undefined && <ErrorNote error={action.error} />}
      <button type="submit" class="primary" disabled={action.busy}>
        {t("add_product")}
      </button>
    </form>
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
          <table>
            <caption class="sr-only">{t("products_manage")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("product_name")}</th>
                <th scope="col">{t("price")}</th>
                <th scope="col">{t("stock")}</th>
                <th scope="col">{t("actions")}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((p) => (
                <tr key={p.product_id}>
                  <td>
                    {p.name} <span class="muted">/{p.unit}</span>
                    {(!p.active || p.hidden_reason) && <span class="badge"> {p.hidden_reason ?? t("hidden")}</span>}
                  </td>
                  <td>
                    <Money idr={p.price_idr} />
                  </td>
                  <td>
                    <label>
                      <span class="sr-only">
                        {t("stock")} {p.name}
                      </span>
                      <input
                        type="number"
                        min={0}
                        class="narrow"
                        defaultValue={String(p.stock)}
                        onChange={(e) => change(p.product_id, { stock: Number(e.currentTarget.value) })}
                      />
                    </label>
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
            </tbody>
          </table>
        )}
      </Async>
      {action.error !== undefined && <ErrorNote error={action.error} />}
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
          <button type="button" class="primary" disabled={action.busy} onClick={() => step("accept")}>
            {t("accept")} <span class="sr-only">{o.order_id.slice(-6)}</span>
          </button>
        )}
        {o.status === "accepted" && (
          <button type="button" class="primary" disabled={action.busy} onClick={() => step("ready")}>
            {t("mark_ready")} <span class="sr-only">{o.order_id.slice(-6)}</span>
          </button>
        )}
        {o.status === "ready" && (
          <form
            class="row"
            onSubmit={(event) => {
              event.preventDefault();
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
            <button type="submit" class="primary" disabled={action.busy}>
              {t("complete")}
            </button>
          </form>
        )}
      </div>
      {action.error !== undefined && <ErrorNote error={action.error} />}
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
      <label>
        {t("status")}
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value as typeof status)}>
          <option value="">{t("all")}</option>
          {QUEUE.map((s) => (
            <option key={s} value={s}>
              {tv("status", s)}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={orders.reload}>
        {t("retry")}
      </button>
      <Async state={orders}>
        {(page) =>
          page.items.length === 0 ? (
            <p>{t("no_orders")}</p>
          ) : (
            <ul class="cards">
              {page.items
                .filter((o) => o.status !== "awaiting_payment" || status === "awaiting_payment")
                .map((o) => (
                  <QueueItem key={`${o.order_id}-${o.status}`} order={o} onChanged={orders.reload} />
                ))}
            </ul>
          )
        }
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
        {(b) => (
          <dl class="facts stat-grid">
            {(["pending_idr", "available_idr", "in_payout_idr", "paid_out_idr"] as const).map((k) => (
              <div key={k}>
                <dt>{t(k)}</dt>
                <dd>
                  <Money idr={b[k]} />
                </dd>
              </div>
            ))}
          </dl>
        )}
      </Async>
      <h2>{t("statement")}</h2>
      <div class="row">
        <label>
          {t("month")}
          <input type="month" value={month} onChange={(e) => setMonth(e.currentTarget.value || thisMonth())} />
        </label>
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
            <table>
              <caption class="sr-only">{t("statement")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("from")}</th>
                  <th scope="col">{t("status")}</th>
                  <th scope="col">{t("total")}</th>
                  <th scope="col">{t("closing")}</th>
                </tr>
              </thead>
              <tbody>
                {s.entries.map((e, i) => (
                  <tr key={i}>
                    <td>{dateTime(e.at)}</td>
                    <td>{tv("entry", e.kind)}</td>
                    <td>
                      <Money idr={e.amount_idr} />
                    </td>
                    <td>
                      <Money idr={e.balance_idr} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
          )
        }
      </Async>
      <h2>{t("payouts")}</h2>
      <Async state={payouts}>
        {(page) =>
          page.items.length === 0 ? (
            <p>{t("none")}</p>
          ) : (
            <ul class="lines">
              {page.items.map((p) => (
                <li key={p.payout_id} class="line">
                  {dateTime(p.created_at)} · <Money idr={p.amount_idr} /> · {tv("method", p.method)} ·{" "}
                  <StatusBadge prefix="payout_status" value={p.status} />
                  {p.failure_reason ? ` (${p.failure_reason})` : ""}
                </li>
              ))}
            </ul>
          )
        }
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
  const [pages, setPages] = useState<Schemas["DisputeSummary"][][]>([]);
  const first = useAsync(
    () =>
      must(
        api().GET("/v1/stores/{store_id}/disputes", {
          params: { path: { store_id: id }, query: { status: status || undefined, limit: 20 } },
        }),
      ),
    [id, status],
  );
  const [cursor, setCursor] = useState<string | null>(null);
  const more = useAction();
  const next = cursor ?? first.data?.next_cursor ?? null;
  return sellerOnly(
    <Page title={`${t("store_disputes")} · ${store.data?.name ?? ""}`}>
      <StoreTabs id={id} />
      <label>
        {t("status")}
        <select
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value as DisputeStatus | "");
            setPages([]);
            setCursor(null);
          }}
        >
          <option value="">{t("all")}</option>
          {DISPUTE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {tv("dispute", s)}
            </option>
          ))}
        </select>
      </label>
      <Async state={first}>
        {(page) => {
          const items = [...page.items, ...pages.flat()];
          return items.length === 0 ? (
            <p>{t("no_disputes")}</p>
          ) : (
            <ul class="cards">
              {items.map((d) => (
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
              ))}
            </ul>
          );
        }}
      </Async>
      {next && (
        <button
          type="button"
          disabled={more.busy}
          onClick={() =>
            more.run(async () => {
              const page = await must(
                api().GET("/v1/stores/{store_id}/disputes", {
                  params: { path: { store_id: id }, query: { status: status || undefined, limit: 20, cursor: next } },
                }),
              );
              setPages((list) => [...list, page.items]);
              setCursor(page.next_cursor ?? "");
            })
          }
        >
          {t("more")}
        </button>
      )}
      {more.error !== undefined && <ErrorNote error={more.error} />}
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
                <button
                  type="button"
                  class="primary"
                  disabled={action.busy}
                  onClick={() =>
                    action.run(async () => {
                      dispute.set(await must(api().POST("/v1/disputes/{dispute_id}/accept", path)));
                    })
                  }
                >
                  {t("accept_refund")}
                </button>
                <form
                  class="row"
                  onSubmit={(event) => {
                    event.preventDefault();
                    void action.run(async () => {
                      dispute.set(await must(api().POST("/v1/disputes/{dispute_id}/contest", { ...path, body: { reason } })));
                    });
                  }}
                >
                  <label>
                    {t("contest_reason")}
                    <input required maxLength={1000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
                  </label>
                  <button type="submit" disabled={action.busy}>
                    {t("contest")}
                  </button>
                </form>
              </div>
            )}
            {action.error !== undefined && <ErrorNote error={action.error} />}
            <DisputeThread dispute={d} onChanged={dispute.set} />
          </Page>
        )}
      </Async>
    </RequireGroup>
  );
}
