// The inbox: reminders and order updates, newest first; unread ones can be marked read.
import { api, must } from "../../api/client";
import { ActionButton, Async, Cards, ErrorNote, Page, guarded, useAction, useAsync } from "../../components";
import { dateTime } from "../../format";
import { t } from "../../i18n";

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
                <ActionButton
                  busy={action.busy}
                  onClick={() =>
                    action.run(async () => {
                      await must(api().POST("/v1/me/notifications/read", { body: { ids: unread } }));
                      inbox.reload();
                    })
                  }
                >
                  {t("mark_read")}
                </ActionButton>
              )}
              <ErrorNote error={action.error} />
              <Cards items={page.items} empty="">
                {(n) => (
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
                )}
              </Cards>
            </>
          );
        }}
      </Async>
    </Page>
  );
}

export const NotificationsPage = guarded(["buyer", "seller", "admin", "finance"], Notifications);
