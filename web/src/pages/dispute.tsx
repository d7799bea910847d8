// Disputes as buyer and seller see them (a chunk of its own: the buyer's order page loads it on demand).
// The buyer opens one on a ready or completed order with an evidence photo: POST /v1/uploads gives a
// presigned POST, the browser posts the file straight to the bucket (S3; locally the emulator, allowed by
// the page's CSP), then POST /v1/orders/{id}/disputes claims the upload. The order page lists the
// order's disputes (GET /v1/orders/{id}/disputes, newest first) for its buyer, its seller and admins,
// so any device finds them; a 409 `conflict` (one opened meanwhile elsewhere) reloads that list.
import { useState } from "preact/hooks";
import { ApiError, api, must, type Schemas } from "../api/client";
import { ActionButton, Async, ErrorNote, Fact, Form, Money, Select, StatusBadge, Submit, field, useAction, useAsync } from "../components";
import { dateTime } from "../format";
import { t, tv, useLang } from "../i18n";

type Dispute = Schemas["Dispute"];
type Reason = Schemas["NewDispute"]["reason"];
const REASONS: Reason[] = ["missing_items", "damaged", "wrong_items", "not_received", "quality", "other"];
const PHOTO_TYPES = ["image/jpeg", "image/png"] as const;
const MAX_PHOTO_BYTES = 5 * 1024 * 1024; // chalicelib/uploads/model.py MAX_UPLOAD_BYTES (API.md "Uploads")
const DISPUTABLE = ["ready", "completed"];
const UNDECIDED = ["open", "contested"];

/** Post a photo straight to the bucket with a presigned POST; return its upload id. */
async function uploadPhoto(file: File): Promise<string> {
  const type = file.type as (typeof PHOTO_TYPES)[number];
  if (!PHOTO_TYPES.includes(type) || file.size > MAX_PHOTO_BYTES || file.size === 0)
    throw new Error(t("evidence_bad_photo"));
  const ticket = await must(api().POST("/v1/uploads", { body: { content_type: type, size_bytes: file.size } }));
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  form.append("file", file); // last: S3 ignores fields after the file
  const posted = await fetch(ticket.url, { method: "POST", body: form });
  if (!posted.ok) throw new Error(`S3 ${posted.status}`);
  return ticket.upload_id;
}

export function OpenDisputeForm(props: { order: Schemas["Order"]; onOpened: () => void }) {
  useLang();
  const { order } = props;
  const [counts, setCounts] = useState<Record<string, number>>(
    order.lines.length === 1 ? { [order.lines[0]!.product_id]: order.lines[0]!.quantity } : {},
  );
  const [missing, setMissing] = useState(false);
  const action = useAction();
  return (
    <Form
      class="form card"
      aria-labelledby="dispute-form-title"
      onSubmit={(form) => {
        const lines = order.lines
          .map((l) => ({ product_id: l.product_id, quantity: counts[l.product_id] ?? 0 }))
          .filter((l) => l.quantity > 0);
        setMissing(lines.length === 0);
        if (lines.length === 0) return;
        const photo = form.get("photo");
        void action.run(async () => {
          const evidence = photo instanceof File && photo.size > 0 ? [await uploadPhoto(photo)] : [];
          try {
            await must(
              api().POST("/v1/orders/{order_id}/disputes", {
                params: { path: { order_id: order.order_id } },
                body: {
                  reason: String(form.get("reason")) as Reason,
                  description: field(form, "description"),
                  lines,
                  evidence,
                },
              }),
            );
            props.onOpened();
          } catch (err) {
            // 409 `conflict`: one was opened meanwhile (on another device); the order's list shows it.
            if (!(err instanceof ApiError && err.code === "conflict" && typeof err.details.dispute_id === "string")) throw err;
            props.onOpened();
          }
        });
      }}
    >
      <h2 id="dispute-form-title">{t("open_dispute")}</h2>
      <Select label={t("dispute_what")} name="reason" required options={REASONS} text={(r) => tv("dispute_reason", r)} />
      <label>
        {t("dispute_description")}
        <textarea name="description" required maxLength={2000} rows={3} />
      </label>
      {order.lines.map((l) => (
        <label key={l.product_id}>
          {t("dispute_quantity", { name: l.name })}
          <input
            type="number"
            min={0}
            max={l.quantity}
            value={counts[l.product_id] ?? 0}
            onInput={(e) => setCounts({ ...counts, [l.product_id]: Number(e.currentTarget.value) || 0 })}
          />
        </label>
      ))}
      {missing && (
        <p class="notice error" role="alert">
          {t("dispute_lines_required")}
        </p>
      )}
      <label>
        {t("evidence_photo")}
        <input type="file" name="photo" accept={PHOTO_TYPES.join(",")} />
      </label>
      <Submit busy={action.busy}>{t("send_dispute")}</Submit>
      <ErrorNote error={action.error} />
    </Form>
  );
}

/** A dispute's facts, evidence and conversation, with a message box for its parties. */
export function DisputeThread(props: { dispute: Dispute; onChanged: (dispute: Dispute) => void }) {
  useLang();
  const d = props.dispute;
  const [text, setText] = useState("");
  const action = useAction();
  return (
    <section class="card" aria-labelledby={`dispute-${d.dispute_id}`}>
      <h2 id={`dispute-${d.dispute_id}`}>{t("dispute_title")}</h2>
      <p>
        <StatusBadge prefix="dispute" value={d.status} /> · {tv("dispute_reason", d.reason)}
      </p>
      <dl class="facts">
        <Fact term={t("requested_refund")}>
          <Money idr={d.requested_refund_idr} />
        </Fact>
        {d.refund_idr !== null && (
          <Fact term={t("refunded")}>
            <Money idr={d.refund_idr} />
          </Fact>
        )}
        {d.status === "open" && <Fact term={t("respond_by")}>{dateTime(d.respond_by)}</Fact>}
      </dl>
      <p>{d.description}</p>
      {d.contest_reason && (
        <p>
          <strong>{t("contest_reason")}:</strong> {d.contest_reason}
        </p>
      )}
      {d.note && (
        <p>
          <strong>{t("note")}:</strong> {d.note}
        </p>
      )}
      {d.evidence.length > 0 && (
        <>
          <h3>{t("evidence")}</h3>
          <ul class="row">
            {d.evidence.map((e, i) => (
              <li key={e.upload_id}>
                <a href={e.url} target="_blank" rel="noopener">
                  <img src={e.url} alt={`${t("evidence")} ${i + 1}`} width={96} height={96} class="thumb" />
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>{t("messages")}</h3>
      {d.messages.length === 0 ? (
        <p class="muted">{t("no_messages")}</p>
      ) : (
        <ol class="timeline">
          {d.messages.map((m) => (
            <li key={m.message_id}>
              <strong>{tv("party", m.author_role)}</strong> <time dateTime={m.at}>{dateTime(m.at)}</time>
              <p>{m.body}</p>
            </li>
          ))}
        </ol>
      )}
      <Form
        class="form"
        onSubmit={() => {
          const body = text.trim();
          if (!body) return;
          void action.run(async () => {
            const next = await must(
              api().POST("/v1/disputes/{dispute_id}/messages", { params: { path: { dispute_id: d.dispute_id } }, body: { body } }),
            );
            setText("");
            props.onChanged(next);
          });
        }}
      >
        <label>
          {t("write_message")}
          <textarea required maxLength={2000} rows={2} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <ActionButton busy={action.busy} submit>
          {t("send")}
        </ActionButton>
      </Form>
      <ErrorNote error={action.error} />
    </section>
  );
}

function Thread(props: { id: string }) {
  const dispute = useAsync(
    () => must(api().GET("/v1/disputes/{dispute_id}", { params: { path: { dispute_id: props.id } } })),
    [props.id],
  );
  return <Async state={dispute}>{(d) => <DisputeThread dispute={d} onChanged={dispute.set} />}</Async>;
}

/**
 * The order page's disputes (GET /v1/orders/{order_id}/disputes, newest first), for its buyer, its
 * seller and admins: the newest one's thread, the earlier ones as links; the buyer may open one while
 * none is undecided and the order may still be disputed.
 */
export function OrderDisputes(props: { order: Schemas["Order"]; buyer: boolean }) {
  useLang();
  const { order } = props;
  const list = useAsync(
    () =>
      must(
        api().GET("/v1/orders/{order_id}/disputes", {
          params: { path: { order_id: order.order_id }, query: { limit: 20 } },
        }),
      ),
    [order.order_id],
  );
  const [open, setOpen] = useState(false);
  return (
    <Async state={list}>
      {(page) => {
        const [newest, ...earlier] = page.items;
        const mayOpen = props.buyer && DISPUTABLE.includes(order.status) && !(newest && UNDECIDED.includes(newest.status));
        return (
          <>
            {newest && <Thread key={newest.dispute_id} id={newest.dispute_id} />}
            {newest && !props.buyer && (
              <p>
                <a href={`/disputes/${newest.dispute_id}`}>{t("dispute_page")}</a>
              </p>
            )}
            {earlier.length > 0 && (
              <section class="card" aria-labelledby="earlier-disputes">
                <h2 id="earlier-disputes">{t("earlier_disputes")}</h2>
                <ul>
                  {earlier.map((d) => (
                    <li key={d.dispute_id}>
                      <a href={`/disputes/${d.dispute_id}`}>
                        {tv("dispute_reason", d.reason)} · {dateTime(d.created_at)}
                      </a>{" "}
                      <StatusBadge prefix="dispute" value={d.status} />
                    </li>
                  ))}
                </ul>
              </section>
            )}
            {mayOpen &&
              (open ? (
                <OpenDisputeForm
                  order={order}
                  onOpened={() => {
                    setOpen(false);
                    list.reload();
                  }}
                />
              ) : (
                <p>
                  <button type="button" aria-expanded="false" onClick={() => setOpen(true)}>
                    {t("open_dispute")}
                  </button>
                </p>
              ))}
          </>
        );
      }}
    </Async>
  );
}
