// Listing in the API's fair order (never re-sorted here), with search and filters; the product page.
import { useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, must, type Schemas } from "../../api/client";
import { has, session } from "../../auth";
import { Async, ErrorNote, Money, Notice, Page, useAction, useAsync } from "../../components";
import { categories, categoryName, wilayah } from "../../data";
import { t, useLang } from "../../i18n";
import { useCell } from "../../state";

type Category = Schemas["NewProduct"]["category"];

function ProductCard(props: { product: Schemas["Product"]; cats: Schemas["CategoryEntry"][] | undefined }) {
  const p = props.product;
  return (
    <li class="card product">
      <h2 class="h3">
        <a href={`/products/${p.product_id}`}>{p.name}</a>
      </h2>
      <p class="price">
        <Money idr={p.price_idr} /> <span class="muted">{t("per_unit", { unit: p.unit })}</span>
      </p>
      <p class="muted">
        {p.store_name} · {p.kecamatan} · {categoryName(props.cats, p.category)}
      </p>
      {p.stock <= 0 && <p class="badge">{t("sold_out")}</p>}
    </li>
  );
}

export function ProductsPage() {
  useLang();
  const { query, route } = useLocation();
  const q = query.q ?? "";
  const category = query.category ?? "";
  const kecamatan = query.kecamatan ?? "";
  const cats = useAsync(categories, []);
  const areas = useAsync(wilayah, []);
  const [extra, setExtra] = useState<{ items: Schemas["Product"][]; cursor: string | null; key: string }>({
    items: [],
    cursor: null,
    key: "",
  });
  const key = `${q}|${category}|${kecamatan}`;
  const list = useAsync(
    () =>
      must(
        api().GET("/v1/products", {
          params: { query: { q: q || undefined, category: (category || undefined) as Category | undefined, kecamatan: kecamatan || undefined, limit: 20 } },
        }),
      ),
    [key],
  );
  const more = useAction();
  const items = [...(list.data?.items ?? []), ...(extra.key === key ? extra.items : [])];
  const cursor = extra.key === key && extra.items.length ? extra.cursor : (list.data?.next_cursor ?? null);
  return (
    <Page title={t("products_title")}>
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const params = new URLSearchParams();
          for (const name of ["q", "category", "kecamatan"]) {
            const value = String(form.get(name) ?? "").trim();
            if (value) params.set(name, value);
          }
          route(`/products${params.size ? `?${params}` : ""}`);
        }}
      >
        <label>
          {t("search_label")}
          <input type="search" name="q" defaultValue={q} />
        </label>
        <label>
          {t("category")}
          <select name="category" defaultValue={category}>
            <option value="">{t("all")}</option>
            {cats.data?.map((c) => (
              <option key={c.id} value={c.id} selected={c.id === category}>
                {categoryName(cats.data, c.id)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("kecamatan")}
          <select name="kecamatan" defaultValue={kecamatan}>
            <option value="">{t("all")}</option>
            {areas.data?.map((k) => (
              <option key={k.kode} value={k.kecamatan} selected={k.kecamatan === kecamatan}>
                {k.kecamatan}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary">
          {t("search")}
        </button>
      </form>
      <p class="muted">{t("fair_order_note")}</p>
      <Async state={list}>
        {() =>
          items.length === 0 ? (
            <p>{t("no_products")}</p>
          ) : (
            <ul class="grid" aria-label={t("products_title")}>
              {items.map((p) => (
                <ProductCard key={p.product_id} product={p} cats={cats.data} />
              ))}
            </ul>
          )
        }
      </Async>
      {cursor && (
        <button
          type="button"
          disabled={more.busy}
          onClick={() =>
            more.run(async () => {
              const page = await must(
                api().GET("/v1/products", {
                  params: { query: { q: q || undefined, category: (category || undefined) as Category | undefined, kecamatan: kecamatan || undefined, limit: 20, cursor } },
                }),
              );
              setExtra({ key, items: [...(extra.key === key ? extra.items : []), ...page.items], cursor: page.next_cursor });
            })
          }
        >
          {t("more")}
        </button>
      )}
      {more.error !== undefined && <ErrorNote error={more.error} />}
    </Page>
  );
}

export function ProductPage() {
  useLang();
  const { params } = useRoute();
  const current = useCell(session);
  const productId = params.id ?? "";
  const product = useAsync(
    () => must(api().GET("/v1/products/{product_id}", { params: { path: { product_id: productId } } })),
    [productId],
  );
  const refs = useAsync(() => must(api().GET("/v1/reference-prices")), []);
  const cats = useAsync(categories, []);
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState(false);
  const action = useAction();
  return (
    <Async state={product}>
      {(p) => {
        const ref = refs.data?.items.find((r) => r.sku === p.reference_sku);
        return (
          <Page title={p.name}>
            <p class="price big">
              <Money idr={p.price_idr} /> <span class="muted">{t("per_unit", { unit: p.unit })}</span>
            </p>
            <dl class="facts">
              <dt>{t("store")}</dt>
              <dd>
                {p.store_name} ({p.kecamatan})
              </dd>
              <dt>{t("category")}</dt>
              <dd>{categoryName(cats.data, p.category)}</dd>
              <dt>{t("stock")}</dt>
              <dd>{p.stock}</dd>
              {ref && (
                <>
                  <dt>{t("reference_price")}</dt>
                  <dd>
                    <Money idr={ref.max_price_idr} /> {t("per_unit", { unit: ref.unit })}
                  </dd>
                </>
              )}
            </dl>
            {p.description && <p>{p.description}</p>}
            {current && has(current, "buyer") ? (
              <form
                class="row"
                onSubmit={(event) => {
                  event.preventDefault();
                  void action.run(async () => {
                    const cart = await must(api().GET("/v1/cart"));
                    const inCart = cart.items.find((line) => line.product_id === p.product_id)?.quantity ?? 0;
                    await must(
                      api().PUT("/v1/cart/items/{product_id}", {
                        params: { path: { product_id: p.product_id } },
                        body: { quantity: inCart + quantity },
                      }),
                    );
                    setAdded(true);
                  });
                }}
              >
                <label>
                  {t("quantity")}
                  <input
                    type="number"
                    min={1}
                    max={Math.max(1, p.stock)}
                    value={quantity}
                    onInput={(e) => setQuantity(Math.max(1, Number(e.currentTarget.value) || 1))}
                  />
                </label>
                <button type="submit" class="primary" disabled={action.busy || p.stock <= 0}>
                  {p.stock <= 0 ? t("sold_out") : t("add_to_cart")}
                </button>
              </form>
            ) : (
              <p>
                <a class="button primary" href={`/signin?next=${encodeURIComponent(`/products/${p.product_id}`)}`}>
                  {t("sign_in_to_buy")}
                </a>
              </p>
            )}
            {added && (
              <Notice kind="ok">
                {t("added_to_cart")} — <a href="/cart">{t("nav_cart")}</a>
              </Notice>
            )}
            {action.error !== undefined && <ErrorNote error={action.error} />}
            <p>
              <a href="/products">{t("back")}</a>
            </p>
          </Page>
        );
      }}
    </Async>
  );
}
