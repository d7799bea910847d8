// Cart (lines grouped by store), checkout (pickup or delivery; the API takes one method for the whole cart,
// so each store's offer is shown beside it), and payment: the local Stripe stand-in's succeed/decline, or
// Stripe's Payment Element with the checkout's client secret when a publishable key is configured.
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, must, newKey, type Schemas } from "../../api/client";
import {
  ActionButton,
  Async,
  ErrorNote,
  Form,
  field,
  Money,
  Notice,
  Page,
  RowNumber,
  Select,
  StatusBadge,
  Submit,
  guarded,
  useAction,
  useAsync,
} from "../../components";
import { config } from "../../config";
import { wilayah } from "../../data";
import { dateTime, rupiah } from "../../format";
import { t } from "../../i18n";

type Line = Schemas["CartLine"];

function byStore(lines: Line[]): [string, Line[]][] {
  const groups = new Map<string, Line[]>();
  for (const line of lines) groups.set(line.store_id, [...(groups.get(line.store_id) ?? []), line]);
  return [...groups.entries()];
}

function Cart() {
  const cart = useAsync(() => must(api().GET("/v1/cart")), []);
  const action = useAction();
  const setQuantity = (productId: string, quantity: number) =>
    action.run(async () => {
      cart.set(
        await must(
          api().PUT("/v1/cart/items/{product_id}", { params: { path: { product_id: productId } }, body: { quantity } }),
        ),
      );
    });
  return (
    <Page title={t("cart_title")}>
      <Async state={cart}>
        {(c) =>
          c.items.length === 0 ? (
            <p>
              {t("cart_empty")} <a href="/products">{t("shop_now")}</a>
            </p>
          ) : (
            <>
              {byStore(c.items).map(([storeId, lines]) => (
                <section key={storeId} class="card" aria-label={lines[0]?.store_name ?? storeId}>
                  <h2 class="h3">{lines[0]?.store_name ?? storeId}</h2>
                  <ul class="lines">
                    {lines.map((line) => (
                      <li key={line.product_id} class="line">
                        <span class="line-name">
                          {line.name}
                          {!line.available && <span class="badge"> {t("unavailable")}</span>}
                        </span>
                        <RowNumber
                          label={`${t("quantity")} ${line.name}`}
                          labelClass="qty"
                          min={0}
                          value={line.quantity}
                          onChange={(e) => setQuantity(line.product_id, Math.max(0, Number(e.currentTarget.value) || 0))}
                        />
                        <Money idr={line.line_total_idr} />
                        <button
                          type="button"
                          class="link-button"
                          aria-label={`${t("remove")} ${line.name}`}
                          onClick={() => setQuantity(line.product_id, 0)}
                        >
                          {t("remove")}
                        </button>
                      </li>
                    ))}
                  </ul>
                </section>
              ))}
              <p class="total">
                {t("total")}: <Money idr={c.total_idr} />
              </p>
              <ErrorNote error={action.error} />
              <a class="button primary" href="/checkout">
                {t("checkout")}
              </a>
            </>
          )
        }
      </Async>
    </Page>
  );
}

export const CartPage = guarded(["buyer"], Cart);

function StoreOffer(props: { store: Schemas["Store"] }) {
  const s = props.store;
  const d = s.delivery;
  return (
    <li>
      <strong>{s.name}</strong>: {s.pickup ? t("pickup") : t("no_pickup")} ·{" "}
      {d.enabled
        ? `${t("delivery")} (${d.areas.join(", ")}) ${t("delivery_fee")} ${rupiah(d.fee_idr)}${
            d.free_from_idr != null ? `, ${t("free_delivery_from", { amount: rupiah(d.free_from_idr) })}` : ""
          }`
        : t("no_delivery")}
    </li>
  );
}

function Checkout() {
  const { route } = useLocation();
  const data = useAsync(async () => {
    const cart = await must(api().GET("/v1/cart"));
    const storeIds = [...new Set(cart.items.map((l) => l.store_id))];
    const stores = await Promise.all(
      storeIds.map((id) => must(api().GET("/v1/stores/{store_id}", { params: { path: { store_id: id } } }))),
    );
    const me = await must(api().GET("/v1/me"));
    return { cart, stores, me };
  }, []);
  const areas = useAsync(wilayah, []);
  const [method, setMethod] = useState<"pickup" | "delivery">("pickup");
  const [kecamatan, setKecamatan] = useState<string | null>(null);
  const key = useRef(newKey());
  const action = useAction();
  return (
    <Page title={t("checkout_title")}>
      <Async state={data}>
        {({ cart, stores, me }) => {
          const kec = kecamatan ?? me.kecamatan ?? "";
          const kelurahan = areas.data?.find((k) => k.kecamatan === kec)?.kelurahan ?? [];
          if (cart.items.length === 0) return <p>{t("cart_empty")}</p>;
          return (
            <Form
              class="form"
              onSubmit={(form) => {
                const text = (name: string) => field(form, name) || null;
                const phone = text("phone_number");
                void action.run(async () => {
                  const checkout = await must(
                    api().POST("/v1/checkout", {
                      params: { header: { "Idempotency-Key": key.current } },
                      body: {
                        fulfillment:
                          method === "pickup"
                            ? { method, notes: text("notes") }
                            : {
                                method,
                                address: text("address"),
                                kecamatan: text("kecamatan"),
                                kelurahan: text("kelurahan"),
                                notes: text("notes"),
                                contact: phone ? { name: text("contact_name"), phone_number: phone } : null,
                              },
                      },
                    }),
                  );
                  route(`/pay/${checkout.checkout_id}`);
                });
              }}
            >
              <ul class="offers">
                {stores.map((s) => (
                  <StoreOffer key={s.store_id} store={s} />
                ))}
              </ul>
              <fieldset>
                <legend>{t("fulfillment")}</legend>
                <p class="muted">{t("one_method_note")}</p>
                {(["pickup", "delivery"] as const).map((m) => (
                  <label key={m} class="check">
                    <input type="radio" name="method" value={m} checked={method === m} onChange={() => setMethod(m)} />
                    {t(m)}
                  </label>
                ))}
              </fieldset>
              {method === "delivery" && (
                <fieldset>
                  <legend>{t("address")}</legend>
                  <label>
                    {t("address")}
                    <input name="address" required autocomplete="street-address" />
                  </label>
                  <Select
                    label={t("kecamatan")}
                    name="kecamatan"
                    required
                    value={kec}
                    empty="—"
                    options={areas.data?.map((k) => k.kecamatan) ?? []}
                    onPick={setKecamatan}
                  />
                  <Select
                    label={t("kelurahan")}
                    name="kelurahan"
                    required
                    defaultValue={me.kelurahan ?? ""}
                    empty="—"
                    options={kelurahan.map((k) => k.name)}
                    isSelected={(name) => name === me.kelurahan}
                  />
                  <label>
                    {t("contact_name")}
                    <input name="contact_name" defaultValue={me.name ?? ""} autocomplete="name" />
                  </label>
                  <label>
                    {t("phone")}
                    <input name="phone_number" type="tel" defaultValue={me.phone_number ?? ""} autocomplete="tel" />
                  </label>
                </fieldset>
              )}
              <label>
                {t("notes")}
                <textarea name="notes" rows={2} maxLength={500} />
              </label>
              <p class="total">
                {t("subtotal")}: <Money idr={cart.total_idr} />
              </p>
              <ErrorNote error={action.error} />
              <Submit busy={action.busy}>{t("place_order")}</Submit>
            </Form>
          );
        }}
      </Async>
    </Page>
  );
}

export const CheckoutPage = guarded(["buyer"], Checkout);

// --- payment -----------------------------------------------------------------------------------

interface StripeLike {
  elements(options: { clientSecret: string; locale?: string }): {
    create(kind: "payment"): { mount(target: HTMLElement): void };
  };
  confirmPayment(options: {
    elements: unknown;
    confirmParams: { return_url: string };
    redirect?: "if_required";
  }): Promise<{ error?: { message?: string } }>;
}

declare global {
  interface Window {
    Stripe?: (key: string) => StripeLike;
  }
}

function loadStripe(): Promise<NonNullable<Window["Stripe"]>> {
  if (window.Stripe) return Promise.resolve(window.Stripe);
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "https://js.stripe.com/v3/";
    script.onload = () => (window.Stripe ? resolve(window.Stripe) : reject(new Error("Stripe.js")));
    script.onerror = () => reject(new Error("Stripe.js could not be loaded"));
    document.head.append(script);
  });
}

/** Stripe's Payment Element for the checkout's PaymentIntent (cannot be tried offline). */
function StripePayment(props: { checkout: Schemas["Checkout"]; onSubmitted: () => void }) {
  const mount = useRef<HTMLDivElement>(null);
  const stripe = useRef<{ stripe: StripeLike; elements: unknown } | null>(null);
  const action = useAction();
  const secret = props.checkout.payment.client_secret;
  useEffect(() => {
    const key = config().stripe_publishable_key;
    if (!key || !secret) return;
    void action.run(async () => {
      const Stripe = await loadStripe();
      const instance = Stripe(key);
      const elements = instance.elements({ clientSecret: secret, locale: document.documentElement.lang });
      elements.create("payment").mount(mount.current as HTMLElement);
      stripe.current = { stripe: instance, elements };
    });
  }, [secret]);
  return (
    <Form
      class="form"
      onSubmit={() => {
        void action.run(async () => {
          if (!stripe.current) return;
          const result = await stripe.current.stripe.confirmPayment({
            elements: stripe.current.elements,
            confirmParams: { return_url: `${location.origin}/pay/${props.checkout.checkout_id}` },
            redirect: "if_required",
          });
          if (result.error) throw new Error(result.error.message ?? t("pay_declined"));
          props.onSubmitted();
        });
      }}
    >
      <div ref={mount} class="stripe-element" />
      <ErrorNote error={action.error} />
      <Submit busy={action.busy}>
        {t("pay_now")} {rupiah(props.checkout.payment.amount_idr)}
      </Submit>
    </Form>
  );
}

function SimulatedPayment(props: { checkout: Schemas["Checkout"]; onSubmitted: (declined: boolean) => void }) {
  const action = useAction();
  const pay = (outcome: "succeeded" | "declined") =>
    action.run(async () => {
      await must(
        api().POST("/v1/dev/checkouts/{checkout_id}/pay", {
          params: { path: { checkout_id: props.checkout.checkout_id } },
          body: { outcome },
        }),
      );
      props.onSubmitted(outcome === "declined");
    });
  return (
    <div class="card demo">
      <p>{t("pay_simulated_note")}</p>
      <div class="row">
        <ActionButton busy={action.busy} primary onClick={() => pay("succeeded")}>
          {t("pay_simulated")}
        </ActionButton>
        <ActionButton busy={action.busy} onClick={() => pay("declined")}>
          {t("pay_decline")}
        </ActionButton>
      </div>
      <ErrorNote error={action.error} />
    </div>
  );
}

function Pay() {
  const { params } = useRoute();
  const checkoutId = params.id ?? "";
  const load = () => must(api().GET("/v1/checkouts/{checkout_id}", { params: { path: { checkout_id: checkoutId } } }));
  const checkout = useAsync(load, [checkoutId]);
  const [waiting, setWaiting] = useState(false);
  const [declined, setDeclined] = useState(false);
  // After paying, the webhook moves the checkout: poll until it is no longer awaiting payment.
  useEffect(() => {
    if (!waiting) return;
    let live = true;
    let tries = 0;
    const tick = async () => {
      const next = await load().catch(() => null);
      if (!live) return;
      if (next) checkout.set(next);
      tries += 1;
      if (next && (next.status !== "awaiting_payment" || next.payment_error)) setWaiting(false);
      else if (tries < 60) setTimeout(tick, 500);
      else setWaiting(false);
    };
    void tick();
    return () => {
      live = false;
    };
  }, [waiting]);
  const cfg = config();
  return (
    <Page title={t("pay_title")}>
      <Async state={checkout}>
        {(c) => (
          <>
            <p class="total">
              {t("pay_amount")}: <Money idr={c.payment.amount_idr} />
            </p>
            <ul class="lines">
              {c.orders.map((o) => (
                <li key={o.order_id} class="line">
                  <a href={`/orders/${o.order_id}`}>{o.order_id.slice(-6)}</a> <Money idr={o.total_idr} />{" "}
                  <StatusBadge prefix="status" value={o.status} />
                </li>
              ))}
            </ul>
            {c.status === "paid" && (
              <Notice kind="ok">
                {t("pay_done")} <a href="/orders">{t("nav_orders")}</a>
              </Notice>
            )}
            {c.status === "expired" && <Notice kind="error">{t("pay_expired")}</Notice>}
            {c.status === "awaiting_payment" && (
              <>
                <p>{t("pay_expires", { at: dateTime(c.expires_at) })}</p>
                {(declined || c.payment_error) && !waiting && <Notice kind="error">{t("pay_declined")}</Notice>}
                {waiting ? (
                  <p role="status">{t("pay_waiting")}</p>
                ) : cfg.stripe_publishable_key ? (
                  <StripePayment checkout={c} onSubmitted={() => setWaiting(true)} />
                ) : cfg.dev_sign_in ? (
                  <SimulatedPayment
                    checkout={c}
                    onSubmitted={(wasDeclined) => {
                      setDeclined(wasDeclined);
                      setWaiting(!wasDeclined);
                      if (wasDeclined) checkout.reload();
                    }}
                  />
                ) : (
                  <Notice kind="error">{t("pay_unavailable")}</Notice>
                )}
              </>
            )}
          </>
        )}
      </Async>
    </Page>
  );
}

export const PayPage = guarded(["buyer"], Pay);
