// The buyer's orders (newest first) and one order: lines, timeline, the handover code once ready.
import { lazy, useRoute } from "preact-iso";
import { api, must, type Schemas } from "../../api/client";
import { session } from "../../auth";
import {
  ActionButton,
  Async,
  Cards,
  ErrorNote,
  Fact,
  Money,
  MoneyCell,
  Page,
  StatusBadge,
  Table,
  guarded,
  useAction,
  useAsync,
} from "../../components";
import { dateTime } from "../../format";
import { t, tv } from "../../i18n";
import { useCell } from "../../state";

// The disputes section is its own chunk (the first page stays small); buyer, seller and admin see it.
const OrderDisputes = lazy(() => import("../dispute").then((m) => m.OrderDisputes));

function Orders() {
  const orders = useAsync(() => must(api().GET("/v1/orders", { params: { query: { limit: 50 } } })), []);
  return (
    <Page title={t("orders_title")}>
      <Async state={orders}>
        {(page) => (
          <Cards items={page.items} empty={t("no_orders")}>
            {(o) => (
              <li key={o.order_id} class="card">
                <h2 class="h3">
                  <a href={`/orders/${o.order_id}`}>
                    {o.store_name} · {dateTime(o.created_at)}
                  </a>
                </h2>
                <p>
                  <Money idr={o.total_idr} /> <StatusBadge prefix="status" value={o.status} />
                </p>
              </li>
            )}
          </Cards>
        )}
      </Async>
    </Page>
  );
}

export const OrdersPage = guarded(["buyer"], Orders);

export function OrderDetail(props: { order: Schemas["Order"] }) {
  const o = props.order;
  return (
    <>
      <p>
        <StatusBadge prefix="status" value={o.status} /> · {o.store_name}
      </p>
      <Table caption={t("order_title", { id: o.order_id.slice(-6) })} head={[t("product_name"), t("quantity"), t("price")]}>
        {o.lines.map((line) => (
          <tr key={line.product_id}>
            <td>{line.name}</td>
            <td>
              {line.quantity} {line.unit ?? ""}
            </td>
            <MoneyCell idr={line.unit_price_idr * line.quantity} />
          </tr>
        ))}
      </Table>
      <dl class="facts">
        <Fact term={t("subtotal")}>
          <Money idr={o.subtotal_idr} />
        </Fact>
        <Fact term={t("delivery_fee")}>
          <Money idr={o.delivery_fee_idr} />
        </Fact>
        <Fact term={t("total")}>
          <Money idr={o.total_idr} />
        </Fact>
        {o.refunded_idr > 0 && (
          <Fact term={t("refunded")}>
            <Money idr={o.refunded_idr} />
          </Fact>
        )}
        <Fact term={t("fulfillment")}>
          {o.fulfillment.method === "pickup" ? t("pickup") : t("delivery")}
          {o.fulfillment.address ? ` · ${o.fulfillment.address}` : ""}
          {o.fulfillment.kecamatan ? `, ${o.fulfillment.kecamatan}` : ""}
        </Fact>
      </dl>
      <h2>{t("timeline")}</h2>
      <ol class="timeline">
        {o.history.map((h) => (
          <li key={`${h.status}-${h.at}`}>
            <strong>{tv("status", h.status)}</strong> <time dateTime={h.at}>{dateTime(h.at)}</time>
          </li>
        ))}
      </ol>
    </>
  );
}

function Order() {
  const { params } = useRoute();
  const orderId = params.id ?? "";
  const current = useCell(session);
  const order = useAsync(
    () => must(api().GET("/v1/orders/{order_id}", { params: { path: { order_id: orderId } } })),
    [orderId],
  );
  const action = useAction();
  const move = (step: "complete" | "cancel") =>
    action.run(async () => {
      if (step === "complete")
        await must(api().POST("/v1/orders/{order_id}/complete", { params: { path: { order_id: orderId } }, body: {} }));
      else
        await must(
          api().POST("/v1/orders/{order_id}/cancel", {
            params: { path: { order_id: orderId } },
            body: { reason: "buyer_cancelled" },
          }),
        );
      order.reload();
    });
  return (
    <Async state={order}>
      {(o) => (
        <Page title={t("order_title", { id: o.order_id.slice(-6) })}>
          {o.handover_code && (
            <section class="card handover" aria-labelledby="code-title">
              <h2 id="code-title">{t("handover_code")}</h2>
              <p class="code" data-testid="handover-code">
                {o.handover_code}
              </p>
              <p>{t("handover_note")}</p>
            </section>
          )}
          <OrderDetail order={o} />
          {o.buyer_id === current?.user_id && (
            <div class="row">
              {o.status === "ready" && (
                <ActionButton busy={action.busy} primary onClick={() => move("complete")}>
                  {t("confirm_received")}
                </ActionButton>
              )}
              {(o.status === "paid" || o.status === "awaiting_payment") && (
                <ActionButton busy={action.busy} onClick={() => move("cancel")}>
                  {t("cancel_order")}
                </ActionButton>
              )}
            </div>
          )}
          <ErrorNote error={action.error} />
          <OrderDisputes order={o} buyer={o.buyer_id === current?.user_id} />
          <p>
            <a href="/orders">{t("back")}</a>
          </p>
        </Page>
      )}
    </Async>
  );
}

export const OrderPage = guarded(["buyer", "seller", "admin"], Order);
