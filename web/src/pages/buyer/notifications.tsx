// The inbox: reminders and order updates, newest first; unread ones can be marked read.
import { api, must } from "../../api/client";
import { Async, ErrorNote, Page, RequireGroup, useAction, useAsync } from "../../components";
import { dateTime } from "../../format";
import { t, useLang } from "../../i18n";

function Notifications() {
  const inbox = useAsync(() => must(api().GET("/v1/me/notifications", { params: { query: { limit: 50 } } })), []);
  const action = useAction();
  return (
    <Page title={t("notifications_title")}>
      <Async state={inbox}>
        {(page) => {
          const unread = page.items.filter((n) => !n.read).map((n) => n.id);
          return page.items.length === 0 ? (
            <p>{t("no_notifications")}</p>
          ) : (
            <>
              {unread.length > 0 && (
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() =>
                    action.run(async () => {
                      await must(api().POST("/v1/me/notifications/read", { body: { ids: unread } }));
                      inbox.reload();
                    })
                  }
                >
                  {t("mark_read")}
                </button>
              )}
              {action.error !== undefined && <ErrorNote error={action.error} />}
              <ul class="cards">
                {page.items.map((n) => (
                  <li key={n.id} class={`card${n.read ? "" : " unread"}`}>
                    <h2 class="h3">
                      {!n.read && <span class="badge">{t("unread")}</span>} {n.title}
                    </h2>
                    <p>{n.body}</p>
                    <p class="muted">
                      <time dateTime={n.created_at}>{dateTime(n.created_at)}</time>
                      {n.order_id && (
                        <>
                          {" · "}
                          <a href={`/orders/${n.order_id}`}>{t("view")}</a>
                        </>
                      )}
                    </p>
                  </li>
                ))}
              </ul>
            </>
          );
        }}
      </Async>
    </Page>
  );
}

export function NotificationsPage() {
  useLang();
  return (
    <RequireGroup groups={["buyer", "seller", "admin", "finance"]}>
      <Notifications />
    </RequireGroup>
  );
}
