// A modal dialog asking for a reason or a note (instead of window.prompt, which is neither labelled nor
// styled, and is blocked in some embedded browsers): the native <dialog> traps focus, Escape cancels,
// and focus returns to the button that opened it. `ask()` resolves to the trimmed text, or null.
import { useEffect, useRef, useState } from "preact/hooks";
import { t, useLang } from "./i18n";

interface Request {
  title: string;
  label: string;
  submit: string;
  resolve: (text: string | null) => void;
}

function ReasonDialog(props: { request: Request; done: () => void }) {
  useLang();
  const { request } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(document.activeElement as HTMLElement | null);
  const [text, setText] = useState("");
  useEffect(() => {
    ref.current?.showModal();
    const back = opener.current;
    return () => {
      if (back?.isConnected) back.focus();
    };
  }, []);
  const finish = (value: string | null) => {
    ref.current?.close();
    request.resolve(value);
    props.done();
  };
  return (
    <dialog
      ref={ref}
      class="card dialog"
      aria-labelledby="reason-dialog-title"
      onCancel={(event) => {
        event.preventDefault();
        finish(null);
      }}
    >
      <form
        class="form"
        onSubmit={(event) => {
          event.preventDefault();
          const value = text.trim();
          if (value) finish(value);
        }}
      >
        <h2 id="reason-dialog-title" class="h3">
          {request.title}
        </h2>
        <label>
          {request.label}
          <textarea required maxLength={1000} rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <div class="row">
          <button type="button" onClick={() => finish(null)}>
            {t("cancel")}
          </button>
          <button type="submit" class="primary">
            {request.submit}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** `ask(title, label, submit)` opens the dialog; render `dialog` somewhere in the page. */
export function useReasonDialog() {
  const [request, setRequest] = useState<Request | null>(null);
  const ask = (title: string, label: string, submit: string) =>
    new Promise<string | null>((resolve) => setRequest({ title, label, submit, resolve }));
  const dialog = request ? <ReasonDialog request={request} done={() => setRequest(null)} /> : null;
  return { ask, dialog };
}
