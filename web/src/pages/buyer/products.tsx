// Listing in the API's fair order (never re-sorted here), with search and filters; the product page.
import { useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, must, type Schemas } from "../../api/client";
import { has, session } from "../../auth";
import {
  Async,
  ErrorNote,
  Fact,
  Form,
  MoreButton,
  Money,
  Notice,
  Page,
  Select,
  Submit,
  field,
  useAction,
  useAsync,
  usePages,
} from "../../components";
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
  const pages = usePages(
    (cursor) =>
      must(
        api().GET("/v1/products", {
          params: {
            query: {
              q: q || undefined,
              category: (category || undefined) as Category | undefined,
              kecamatan: kecamatan || undefined,
              limit: 20,
              cursor,
            },
          },
        }),
      ),
    [q, category, kecamatan],
  );
  return (
    <Page title={t("products_title")}>
      <Form
        class="filters"
        role="search"
        onSubmit={(form) => {
          const params = new URLSearchParams();
          for (const name of ["q", "category", "kecamatan"]) {
            const value = field(form, name);
            if (value) params.set(name, value);
          }
          route(`/products${params.size ? `?${params}` : ""}`);
        }}
      >
        <label>
          {t("search_label")}
          <input type="search" name="q" defaultValue={q} />
        </label>
        <Select
          label={t("category")}
          name="category"
          defaultValue={category}
          empty={t("all")}
          options={cats.data?.map((c) => c.id) ?? []}
          text={(id) => categoryName(cats.data, id)}
          isSelected={(id) => id === category}
        />
        <Select
          label={t("kecamatan")}
          name="kecamatan"
          defaultValue={kecamatan}
          empty={t("all")}
          options={areas.data?.map((k) => k.kecamatan) ?? []}
          isSelected={(k) => k === kecamatan}
        />
        <Submit busy={false}>{t("search")}</Submit>
      </Form>
      <p class="muted">{t("fair_order_note")}</p>
      <Async state={pages.first}>
        {() =>
          pages.items.length === 0 ? (
            <p>{t("no_products")}</p>
          ) : (
            <ul class="grid" aria-label={t("products_title")}>
              {pages.items.map((p) => (
                <ProductCard key={p.product_id} product={p} cats={cats.data} />
              ))}
            </ul>
          )
        }
      </Async>
      <MoreButton pages={pages} />
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
              <Fact term={t("store")}>
                {p.store_name} ({p.kecamatan})
              </Fact>
              <Fact term={t("category")}>{categoryName(cats.data, p.category)}</Fact>
              <Fact term={t("stock")}>{p.stock}</Fact>
              {ref && (
                <Fact term={t("reference_price")}>
                  <Money idr={ref.max_price_idr} /> {t("per_unit", { unit: ref.unit })}
                </Fact>
              )}
            </dl>
            {p.description && <p>{p.description}</p>}
            {current && has(current, "buyer") ? (
              <Form
                class="row"
                onSubmit={() => {
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
              </Form>
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
            <ErrorNote error={action.error} />
            <p>
              <a href="/products">{t("back")}</a>
            </p>
          </Page>
        );
      }}
    </Async>
  );
}
