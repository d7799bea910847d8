// The shell: skip link, header with the navigation the user's groups allow, language switch, routes.
// Buyer pages are in the first bundle; seller, admin and finance pages load on demand (charts with them).
import { ErrorBoundary, LocationProvider, Route, Router, lazy, useLocation } from "preact-iso";
import { has, session, signOut } from "./auth";
import { Page } from "./components";
import { setLang, t, useLang } from "./i18n";
import { CartPage, CheckoutPage, PayPage } from "./pages/buyer/checkout";
import { HomePage } from "./pages/buyer/home";
import { NotificationsPage } from "./pages/buyer/notifications";
import { OrderPage, OrdersPage } from "./pages/buyer/orders";
import { ProductPage, ProductsPage } from "./pages/buyer/products";
import { CallbackPage, SignInPage } from "./pages/signin";
import { useCell } from "./state";

// One chunk per role, loaded on first use; `chunk(load)(name)` takes the named page out of its module lazily.
function chunk<M>(load: () => Promise<M>) {
  return <K extends keyof M>(name: K) => lazy(() => load().then((m) => m[name]));
}
const seller = chunk(() => import("./pages/seller/index"));
const admin = chunk(() => import("./pages/admin/index"));
const finance = chunk(() => import("./pages/finance/index"));
const SellerHome = seller("SellerHome");
const SellerApply = seller("SellerApply");
const SellerStore = seller("SellerStore");
const SellerProducts = seller("SellerProducts");
const SellerOrders = seller("SellerOrders");
const SellerMoney = seller("SellerMoney");
const SellerDisputes = seller("SellerDisputes");
const DisputePage = seller("DisputePage");
const AdminHome = admin("AdminHome");
const AdminSection = admin("AdminSection");
const FinanceHome = finance("FinanceHome");
const FinanceBatch = finance("FinanceBatch");
const FinanceMoney = finance("FinanceMoney");

function NotFound() {
  useLang();
  return (
    <Page title={t("not_found")}>
      <p>
        <a href="/">{t("not_found_body")}</a>
      </p>
    </Page>
  );
}

function Header() {
  const language = useLang();
  const current = useCell(session);
  const { path, route } = useLocation();
  const links: [string, string][] = [];
  if (!current || has(current, "buyer")) {
    links.push(["/", t("nav_home")], ["/products", t("nav_products")]);
  }
  if (has(current, "buyer")) links.push(["/cart", t("nav_cart")], ["/orders", t("nav_orders")]);
  if (has(current, "seller")) links.push(["/seller", t("nav_seller")]);
  if (has(current, "admin")) links.push(["/admin", t("nav_admin")]);
  if (has(current, "finance")) links.push(["/finance", t("nav_finance")]);
  if (current) links.push(["/notifications", t("nav_notifications")]);
  const active = (href: string) => (href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`));
  return (
    <header class="site-header">
      <div class="bar">
        <a class="brand" href={current ? "/" : "/"}>
          Peken
        </a>
        <div class="bar-end">
          <button
            type="button"
            class="link-button"
            lang={language === "id" ? "en" : "id"}
            aria-label={t("switch_lang_label")}
            onClick={() => setLang(language === "id" ? "en" : "id")}
          >
            {t("switch_lang")}
          </button>
          {current ? (
            <button
              type="button"
              class="link-button"
              onClick={() => {
                signOut();
                route("/signin");
              }}
            >
              {t("sign_out")}
            </button>
          ) : (
            <a href="/signin">{t("sign_in")}</a>
          )}
        </div>
      </div>
      <nav aria-label={t("nav")}>
        <ul>
          {links.map(([href, label]) => (
            <li key={href}>
              <a href={href} aria-current={active(href) ? "page" : undefined}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </header>
  );
}

export function App() {
  useLang();
  const current = useCell(session);
  return (
    <LocationProvider>
      <a class="skip" href="#main">
        {t("skip")}
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        <ErrorBoundary>
          <Router>
            <Route path="/" component={HomePage} />
            <Route path="/signin" component={SignInPage} />
            <Route path="/auth/callback" component={CallbackPage} />
            <Route path="/products" component={ProductsPage} />
            <Route path="/products/:id" component={ProductPage} />
            <Route path="/cart" component={CartPage} />
            <Route path="/checkout" component={CheckoutPage} />
            <Route path="/pay/:id" component={PayPage} />
            <Route path="/orders" component={OrdersPage} />
            <Route path="/orders/:id" component={OrderPage} />
            <Route path="/notifications" component={NotificationsPage} />
            <Route path="/seller" component={SellerHome} />
            <Route path="/seller/apply" component={SellerApply} />
            <Route path="/seller/stores/:id" component={SellerStore} />
            <Route path="/seller/stores/:id/products" component={SellerProducts} />
            <Route path="/seller/stores/:id/orders" component={SellerOrders} />
            <Route path="/seller/stores/:id/money" component={SellerMoney} />
            <Route path="/seller/stores/:id/disputes" component={SellerDisputes} />
            <Route path="/disputes/:id" component={DisputePage} />
            <Route path="/admin" component={AdminHome} />
            <Route path="/admin/:section" component={AdminSection} />
            <Route path="/finance" component={FinanceHome} />
            <Route path="/finance/batches/:id" component={FinanceBatch} />
            <Route path="/finance/money" component={FinanceMoney} />
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </main>
      <footer class="site-footer">
        <p>
          {t("tagline")}
          {current ? ` · ${t("signed_in_as", { name: current.name ?? current.user_id })}` : ""}
        </p>
      </footer>
    </LocationProvider>
  );
}
